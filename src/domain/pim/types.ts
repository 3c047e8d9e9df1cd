// What parsing a contacts or calendar file gives: Graph request bodies with a stable
// dedupe key each, the entries that could not be converted (with the reason), and notes.

import { createHash } from 'node:crypto';

export interface PimItem {
  /** 1-based position of the entry in the file. */
  index: number;
  /** Same entry, same key: re-importing a file creates nothing new. */
  key: string;
  /** A name to show: contact's display name, event's subject and date. */
  label: string;
  /** Graph contact or event body (without the dedupe property). */
  body: Record<string, unknown>;
  /** What changed on the way (attendees left out, photo left out, …). */
  notes: string[];
}

export interface PimSkipped {
  index: number;
  label: string;
  reason: string;
}

export type PimParseResult =
  { ok: true; kind: 'contacts' | 'events'; items: PimItem[]; skipped: PimSkipped[]; notes: string[]; overLimit: number } | { ok: false; problem: string };

/** The named MAPI property Cutover stamps on what it creates (one GUID for Cutover). */
export const IMPORT_KEY_PROPERTY = 'String {5d7f3a1e-8c2b-4e6f-9a41-0b3c7e9d2f65} Name CutoverImportKey';

export function dedupeKey(kind: 'contact' | 'event', parts: string[]): string {
  const h = createHash('sha256').update(kind).update('\u0000').update(parts.join('\u0000')).digest('base64url');
  return `${kind}:${h.slice(0, 27)}`;
}

/** The body Graph receives: the item with its dedupe key as an extended property. */
export function withImportKey(item: PimItem): Record<string, unknown> {
  return { ...item.body, singleValueExtendedProperties: [{ id: IMPORT_KEY_PROPERTY, value: item.key }] };
}
