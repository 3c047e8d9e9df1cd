// Who may talk to Cutover, and who may run admin commands.
// Served: people of the tenants Cutover is set up for (CUTOVER_TENANTS), on Teams (channel id msteams);
// anyone else gets one polite refusal and nothing else happens.
// Admins are listed by Entra object id or UPN. Local mode with nobody listed lets everyone in (and says so),
// so a newcomer's first session works; production with nobody listed lets nobody in.

import { notice } from '../cards/notice';
import type { AccessSettings, Actor, Reply } from './types';

/** The only Bot Framework channel Cutover serves. */
export const TEAMS_CHANNEL_ID = 'msteams';

/** Where an activity came from, as plain values read at the Teams edge. */
export interface Origin {
  /** The Entra tenant the activity names; undefined when it names none, or two different ones. */
  tenantId?: string;
  /** The Bot Framework channel id (msteams, webchat, directline, …). */
  channelId?: string;
}

/** null: served. Otherwise the one answer to give, and why (for the log, never for the card). */
export function admission(origin: Origin, access: AccessSettings): { reply: Reply; reason: 'channel' | 'tenant' } | null {
  if (origin.channelId !== TEAMS_CHANNEL_ID) return { reply: notServedReply(), reason: 'channel' };
  const tenants = access.tenants;
  if (tenants === undefined) return null;
  if (!origin.tenantId || !tenants.includes(origin.tenantId.toLowerCase())) return { reply: notServedReply(), reason: 'tenant' };
  return null;
}

export function notServedReply(): Reply {
  return notice({
    title: 'Cutover is not available here',
    text: "This Cutover serves another organisation, in Microsoft Teams only, so it cannot help you from here. If your organisation is moving its mail with Cutover, open it in your own organisation's Teams, or ask your IT team.",
  });
}

export function isAdmin(actor: Actor, access: AccessSettings): boolean {
  if (access.admins.length === 0) return access.mode === 'local';
  const ids = [actor.aadObjectId, actor.upn].filter((v): v is string => !!v).map((v) => v.toLowerCase());
  if (ids.some((id) => access.admins.includes(id))) return true;
  // Admins listed by UPN, resolved to object ids through the directory (Graph).
  const resolved = access.directory?.objectIds();
  return !!actor.aadObjectId && !!resolved && resolved.has(actor.aadObjectId.toLowerCase());
}

/** Whether any admin is listed by UPN, so that the sender's UPN or the directory could matter. */
export function listsUpnAdmins(access: AccessSettings): boolean {
  return access.admins.some((a) => a.includes('@'));
}

/**
 * The actor with what a UPN-listed admin needs: first the listed UPNs resolved to object ids
 * (directory, cached), then the sender's UPN from Teams (the member lookup) when that is not enough.
 * Nothing is looked up when no admin is listed by UPN or the person is an admin already.
 */
export async function identify(actor: Actor, access: AccessSettings, memberUpn: () => Promise<string | undefined>): Promise<Actor> {
  if (!listsUpnAdmins(access) || isAdmin(actor, access)) return actor;
  if (access.directory) {
    await access.directory.fresh();
    if (isAdmin(actor, access)) return actor;
  }
  if (actor.upn) return actor;
  let upn: string | undefined;
  try {
    upn = await memberUpn();
  } catch {
    upn = undefined;
  }
  return upn ? { ...actor, upn: upn.toLowerCase() } : actor;
}

export function openAccessNote(access: AccessSettings): string {
  if (access.mode === 'local' && access.admins.length === 0) {
    return 'Local mode: Cutover talks to its built-in Exchange Online emulator, and with no admins configured (CUTOVER_ADMINS) everyone here may run admin commands.';
  }
  if (access.mode === 'local') return 'Local mode: Cutover talks to its built-in Exchange Online emulator.';
  return '';
}
