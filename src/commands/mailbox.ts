// mailbox show | limit — the target mailbox and its message size limits.
// IMAP migration skips items over the mailbox's limit (35 MB by default); raising
// MaxReceiveSize/MaxSendSize (up to 150 MB) before a sync lets them through.

import { detailsCard } from '../cards/details';
import { MAX_MESSAGE_SIZE_LIMIT_BYTES } from '../domain/exchange/types';
import { toPowerShell } from '../domain/exchange/powershell';
import { formatBytes, toExchangeSize } from '../domain/sizes';
import type { Actor, CommandDeps, Reply } from './types';
import { exchangeErrorReply, notice } from './views';
import { errorText } from '../lib/errorText';

export async function showMailbox(deps: CommandDeps, email: string): Promise<Reply> {
  const ps = toPowerShell('Get-Mailbox', { Identity: email });
  try {
    const m = await deps.exchange.getMailbox(email);
    if (!m) {
      return notice({
        title: `No mailbox for ${email}`,
        tone: 'warn',
        text: 'Create the user and assign an Exchange Online licence before migrating to it.',
        powershell: ps,
      });
    }
    const card = detailsCard({
      title: m.displayName || m.primarySmtpAddress,
      subtitle: m.primarySmtpAddress,
      subtitleColor: 'Default',
      sections: [
        {
          heading: 'Mailbox',
          text: '',
          facts: [
            { title: 'Type', value: m.recipientTypeDetails },
            { title: 'User principal name', value: m.userPrincipalName },
            { title: 'Max receive size', value: formatBytes(m.maxReceiveSize) },
            { title: 'Max send size', value: formatBytes(m.maxSendSize) },
            { title: 'Addresses', value: m.emailAddresses.join(', ') || m.primarySmtpAddress },
          ],
          powershell: ps,
        },
      ],
      actions:
        m.maxReceiveSize < MAX_MESSAGE_SIZE_LIMIT_BYTES
          ? [{ title: 'Raise limits to 150 MB', verb: 'mailbox.limit', data: { email, bytes: MAX_MESSAGE_SIZE_LIMIT_BYTES } }]
          : [],
    });
    return { card, summary: `${m.primarySmtpAddress}: receive ${formatBytes(m.maxReceiveSize)}, send ${formatBytes(m.maxSendSize)}` };
  } catch (err) {
    return exchangeErrorReply(`Reading mailbox ${email}`, err, ps);
  }
}

export async function setMailboxLimit(deps: CommandDeps, actor: Actor, email: string, bytes: number): Promise<Reply> {
  const size = toExchangeSize(bytes);
  const ps = toPowerShell('Set-Mailbox', { Identity: email, MaxReceiveSize: size, MaxSendSize: size });
  if (bytes > MAX_MESSAGE_SIZE_LIMIT_BYTES) {
    return notice({
      title: 'Over the 150 MB ceiling',
      tone: 'warn',
      text: 'Exchange Online allows at most 150 MB for MaxReceiveSize and MaxSendSize.',
      powershell: ps,
    });
  }
  try {
    const before = await deps.exchange.getMailbox(email);
    if (!before) return notice({ title: `No mailbox for ${email}`, tone: 'warn', powershell: toPowerShell('Get-Mailbox', { Identity: email }) });
    await deps.exchange.setMailboxSizeLimits(email, { maxReceiveSize: bytes, maxSendSize: bytes });
    const after = await deps.exchange.getMailbox(email);
    await deps.audit.record({
      actor,
      action: 'mailbox.limit',
      target: email,
      result: 'ok',
      detail: `${formatBytes(before.maxReceiveSize)} → ${formatBytes(bytes)}`,
    });
    const user = await deps.exchange.getMigrationUser(email).catch(() => null);
    return notice({
      title: `Limits for ${email} set to ${formatBytes(bytes)}`,
      tone: 'good',
      facts: [
        { title: 'Max receive size', value: `${formatBytes(before.maxReceiveSize)} → ${formatBytes(after?.maxReceiveSize ?? bytes)}` },
        { title: 'Max send size', value: `${formatBytes(before.maxSendSize)} → ${formatBytes(after?.maxSendSize ?? bytes)}` },
      ],
      lines: user ? [`Items skipped for size are copied at the next sync. To sync now: batch sync ${user.batchId}`] : [],
      powershell: ps,
    });
  } catch (err) {
    await deps.audit.record({ actor, action: 'mailbox.limit', target: email, result: 'failed', detail: errorText(err) });
    return exchangeErrorReply(`Setting the limits of ${email}`, err, ps);
  }
}
