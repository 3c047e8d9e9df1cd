// Hands per-user files to the admin who asked (their personal chat only) and says on the card,
// in the place they asked, where the files went. Never a link in a summary or a channel.

import type { ExportFile, FileRecipient, Handover } from '../ports/reportDelivery';
import type { CommandDeps } from './types';

export async function handOver(deps: Pick<CommandDeps, 'reports'>, to: FileRecipient, files: ExportFile[]): Promise<Handover> {
  if (!deps.reports) return { status: 'no-personal-chat' };
  return deps.reports.deliver({ id: to.id, aadObjectId: to.aadObjectId, name: to.name }, files);
}

/** One sentence for the card: where the files are and what to do with them. */
export function handoverText(h: Handover): string {
  if (h.status !== 'sent') {
    return 'Files with per-user data go only to your personal chat with Cutover, and Cutover could not reach it. Open Cutover in Teams (Apps, then Cutover, then Chat), say hi, and ask again.';
  }
  const names = h.files.join(', ');
  if (h.how === 'link') {
    return h.to === 'this-chat'
      ? `${names}: the download links are in this chat and work for 15 minutes.`
      : `Sent to you in your personal chat with Cutover: ${names} (the links work for 15 minutes).`;
  }
  return h.to === 'this-chat'
    ? `${names}: choose Allow on the file card in this chat to save it to your OneDrive (the offer lasts 15 minutes).`
    : `Sent to you in your personal chat with Cutover: ${names}. Choose Allow there to save it to your OneDrive (the offer lasts 15 minutes).`;
}
