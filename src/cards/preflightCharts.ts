// The preflight result's charts: where the data is (size by folder kind) and the items over the
// target's size limit, per user. Each chart's fallback is a FactSet with the same numbers.

import type { PreflightReport } from '../domain/preflight/report';
import { oversizeItemsBars, sizeByFolderKindBars, type ChartElement } from './charts';

const KINDS: [string, RegExp][] = [
  ['Inbox', /^inbox$/i],
  ['Sent', /^(sent|sent items|sent messages|sent mail|gesendet|envoy[ée]s|enviados)$/i],
  ['Drafts', /^(drafts?|entw[üu]rfe|brouillons|borradores)$/i],
  ['Deleted', /^(trash|deleted|deleted items|deleted messages|bin|papierkorb|corbeille|papelera)$/i],
  ['Junk', /^(junk|junk e-?mail|spam|bulk mail)$/i],
  ['Archive', /^(archives?|archiv)$/i],
];

/** The kind of a folder by its top-level name (INBOX/Sub counts as Inbox); everything else is Other. */
export function folderKind(name: string): string {
  const top = name.split(/[/.]/)[0].trim();
  return KINDS.find(([, re]) => re.test(top))?.[0] ?? 'Other';
}

/** Users shown on the oversize chart (the card's own list and the report carry the rest). */
const OVERSIZE_USERS_SHOWN = 15;

export function preflightCharts(report: PreflightReport): ChartElement[] {
  const bytes = new Map<string, number>();
  for (const u of report.users) for (const f of u.folders) bytes.set(folderKind(f.name), (bytes.get(folderKind(f.name)) ?? 0) + f.sizeBytes);
  const order = [...KINDS.map(([k]) => k), 'Other'];
  const kinds = order.map((kind) => ({ kind, bytes: bytes.get(kind) ?? 0 })).filter((k) => k.bytes > 0);
  const oversize = report.users
    .filter((u) => u.largeItems.length > 0)
    .map((u) => ({ email: u.emailAddress, count: u.largeItems.length }))
    .sort((a, b) => b.count - a.count || a.email.localeCompare(b.email))
    .slice(0, OVERSIZE_USERS_SHOWN);
  return [...(kinds.length ? [sizeByFolderKindBars(kinds)] : []), ...(oversize.length ? [oversizeItemsBars(oversize)] : [])];
}
