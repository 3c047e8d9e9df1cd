// Reminders before a planned MX switch: 24 h and 1 h before, each posted once. The planned time
// only prompts the admin; the passes after the switch still wait for the switch to be seen in DNS.

export const SWITCH_REMINDERS = [
  { id: '24h', beforeMs: 24 * 3600_000 },
  { id: '1h', beforeMs: 3600_000 },
] as const;
export type SwitchReminderId = (typeof SWITCH_REMINDERS)[number]['id'];

export interface PlannedSwitch {
  /** The planned switch time (ISO, UTC). */
  at: string;
  by: string;
  /** The admin's Teams time zone when it was planned (reminders say the time in it). */
  timeZone: string;
  /** Reminders already posted (or passed over): never posted again, also after a restart. */
  reminded: SwitchReminderId[];
}

/**
 * The reminder to post now, if any: the nearest one whose time has come and that was not posted.
 * Earlier ones whose time also came are marked with it (planned 3 h ahead: only the 1 h reminder,
 * the 24 h one is not sent late). Nothing once the switch is done or its time has passed.
 */
export function dueSwitchReminder(
  planned: PlannedSwitch | undefined,
  ctx: { now: Date; switched: boolean },
): { id: SwitchReminderId; mark: SwitchReminderId[] } | null {
  if (!planned || ctx.switched) return null;
  const at = Date.parse(planned.at);
  const now = ctx.now.getTime();
  if (!Number.isFinite(at) || now >= at) return null;
  const due = SWITCH_REMINDERS.filter((r) => now >= at - r.beforeMs);
  if (due.length === 0) return null;
  const nearest = due[due.length - 1];
  if (planned.reminded.includes(nearest.id)) return null;
  return { id: nearest.id, mark: due.map((r) => r.id) };
}
