// Who may run admin commands. Admins are listed by Entra object id or UPN.
// Local mode with nobody listed lets everyone in (and says so), so a newcomer's
// first session works; production with nobody listed lets nobody in.

import type { AccessSettings, Actor } from './types';

export function isAdmin(actor: Actor, access: AccessSettings): boolean {
  if (access.admins.length === 0) return access.mode === 'local';
  const ids = [actor.aadObjectId, actor.upn].filter((v): v is string => !!v).map((v) => v.toLowerCase());
  return ids.some((id) => access.admins.includes(id));
}

export function openAccessNote(access: AccessSettings): string {
  if (access.mode === 'local' && access.admins.length === 0) {
    return 'Local mode: Cutover talks to its built-in Exchange Online emulator, and with no admins configured (CUTOVER_ADMINS) everyone here may run admin commands.';
  }
  if (access.mode === 'local') return 'Local mode: Cutover talks to its built-in Exchange Online emulator.';
  return '';
}
