// The delta pass's rules, pure: how two copies of a message are recognised as the same, what
// must be copied, and where a pass resumes. Messages are compared by Message-ID; one without it
// by a hash of its Date, sender, subject and size. Counts are compared as multisets, so two
// different messages sharing a Message-ID are both copied (and reported), never one dropped.

import { createHash } from 'node:crypto';

/** What the pass reads of a message: headers and attributes, never the body. */
export interface MessageMeta {
  uid: number;
  messageId: string | null;
  /** The Date header as written (null when absent). */
  date: string | null;
  from: string;
  subject: string;
  size: number;
  flags: string[];
  internalDate: Date | null;
}

export function normalizeMessageId(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const v = raw.replace(/\s+/g, '').trim();
  const m = /<([^<>]+)>/.exec(v);
  const id = (m ? m[1] : v).trim();
  return id ? id : null;
}

/** mid:<id>, or hash:<sha256 of date, sender, subject, size> for a message without Message-ID. */
export function messageKey(m: Pick<MessageMeta, 'messageId' | 'date' | 'from' | 'subject' | 'size'>): string {
  const id = normalizeMessageId(m.messageId);
  if (id) return `mid:${id}`;
  const date = m.date ? new Date(m.date) : null;
  const dateText = date && !Number.isNaN(date.getTime()) ? date.toISOString() : (m.date ?? '').trim();
  const h = createHash('sha256')
    .update([dateText, m.from.trim().toLowerCase(), m.subject.trim(), String(m.size)].join('\u0000'))
    .digest('hex');
  return `hash:${h.slice(0, 32)}`;
}

export function countKeys(metas: Iterable<Pick<MessageMeta, 'messageId' | 'date' | 'from' | 'subject' | 'size'>>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of metas) {
    const k = messageKey(m);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

export interface CopyDecision {
  toCopy: MessageMeta[];
  alreadyThere: number;
  /** Message-IDs held by more than one source message in the folder (reported, all copies kept). */
  duplicateIds: string[];
  /** Messages compared by the fallback hash (no Message-ID). */
  withoutMessageId: number;
}

/**
 * Which candidates are missing on the target. `olderSource` counts, per key, the source messages
 * below the candidates' UID range (already handled by an earlier pass); `target` counts the
 * target's messages per key. For each key, need = (older + candidates) − target; the older source
 * copies are matched first, and the newest `need` candidates are copied.
 */
export function decideCopies(candidates: MessageMeta[], target: Map<string, number>, olderSource: Map<string, number> = new Map()): CopyDecision {
  const byKey = new Map<string, MessageMeta[]>();
  let withoutMessageId = 0;
  for (const m of [...candidates].sort((a, b) => a.uid - b.uid)) {
    const k = messageKey(m);
    if (k.startsWith('hash:')) withoutMessageId++;
    const list = byKey.get(k) ?? [];
    list.push(m);
    byKey.set(k, list);
  }
  const toCopy: MessageMeta[] = [];
  const duplicateIds: string[] = [];
  let alreadyThere = 0;
  for (const [k, list] of byKey) {
    const older = olderSource.get(k) ?? 0;
    const onTarget = target.get(k) ?? 0;
    if (k.startsWith('mid:') && older + list.length > 1) duplicateIds.push(k.slice(4));
    // The older source copies are matched first; what is left on the target covers candidates.
    const coveredCandidates = Math.max(0, Math.min(list.length, onTarget - older));
    alreadyThere += coveredCandidates;
    toCopy.push(...list.slice(coveredCandidates));
  }
  toCopy.sort((a, b) => a.uid - b.uid);
  return { toCopy, alreadyThere, duplicateIds, withoutMessageId };
}

/** Where a folder's last pass got to. */
export interface FolderCheckpoint {
  uidValidity: number;
  /** Every UID below this was handled (copied, found on the target, or put on the retry list). */
  uidNext: number;
  /** UIDs to try again on every pass: over the size limit, refused by the target. */
  retry: number[];
}

export type ScanPlan =
  { kind: 'unchanged' } | { kind: 'incremental'; fromUid: number; retry: number[] } | { kind: 'full'; reason: 'first-pass' | 'uidvalidity-changed' };

/** Decides from STATUS (UIDVALIDITY, UIDNEXT) alone whether a folder needs reading at all. */
export function planScan(checkpoint: FolderCheckpoint | undefined, status: { uidValidity: number; uidNext: number }): ScanPlan {
  if (!checkpoint) return { kind: 'full', reason: 'first-pass' };
  if (checkpoint.uidValidity !== status.uidValidity) return { kind: 'full', reason: 'uidvalidity-changed' };
  if (status.uidNext <= checkpoint.uidNext && checkpoint.retry.length === 0) return { kind: 'unchanged' };
  return { kind: 'incremental', fromUid: checkpoint.uidNext, retry: [...checkpoint.retry] };
}

/** The checkpoint after handling messages up to `handledUid` (inclusive), keeping UIDs that must be retried. */
export function advanceCheckpoint(cp: FolderCheckpoint, handledUid: number, retry: number[]): FolderCheckpoint {
  return { uidValidity: cp.uidValidity, uidNext: Math.max(cp.uidNext, handledUid + 1), retry: [...new Set(retry)].sort((a, b) => a - b) };
}

/** Exchange's throttling answer: "BAD Request is throttled. Suggested Backoff Time: <n> milliseconds". */
export function throttleBackoffMs(serverText: string): number | null {
  if (!/throttl/i.test(serverText)) return null;
  const m = /Backoff Time:\s*(\d+)/i.exec(serverText);
  return m ? Math.min(Number(m[1]), 120_000) : 5_000;
}

/** Exchange refusing an APPEND for size: "Maximum size of appendable message has been exceeded". */
export function isSizeRefusal(serverText: string): boolean {
  return /maximum size of appendable message|too large|message size exceeds|APPENDLIMIT/i.test(serverText);
}

/** Flags APPEND may set: system flags except \Recent, plus keywords. */
export function appendableFlags(flags: string[]): string[] {
  return flags.filter((f) => f.toLowerCase() !== '\\recent');
}
