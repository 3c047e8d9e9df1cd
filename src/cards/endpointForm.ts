// The card that asks for the IMAP endpoint while an attached CSV waits sealed
// (adaptiveCards/endpointForm.json): add one (name, host, port, security) or pick an existing one.

import { renderCard } from './render';
import type { CardAction } from './notice';
import type { Reply } from './reply';

export interface EndpointFormInput {
  pendingId: string;
  /** 'batch': then the CSV check; 'preflight': then the preflight. */
  purpose: 'batch' | 'preflight';
  batchName: string;
  fileName: string;
  rows: number;
  /** "semicolons, Windows-1252", when the file was read. */
  readAs: string | null;
  /** The IMAP endpoints there are (Identity, server). */
  existing: { identity: string; remoteServer: string; port: number }[];
  /** What the admin typed or named (prefilled). */
  name?: string;
  host?: string;
  port?: number;
  security?: 'ssl' | 'tls' | 'none';
  /** Why the last try did not work (a missing endpoint named in the command, a failed server test). */
  problem?: string;
  minutesKept: number;
}

/** Up to this many "Use <endpoint>" buttons (Teams shows a handful of actions). */
const USE_BUTTONS = 3;

export function endpointFormCard(input: EndpointFormInput): Reply {
  const what = input.purpose === 'batch' ? `batch ${input.batchName}` : 'the preflight';
  const next = input.purpose === 'batch' ? 'the CSV check' : 'the preflight';
  const actions: CardAction[] = [
    { title: 'Add endpoint and continue', verb: 'upload.endpoint', data: { pending: input.pendingId, mode: 'add' }, style: 'positive' },
    ...input.existing.slice(0, USE_BUTTONS).map((e) => ({
      title: `Use ${e.identity} (${e.remoteServer}:${e.port})`,
      verb: 'upload.endpoint',
      data: { pending: input.pendingId, mode: 'use', endpoint: e.identity },
    })),
    { title: 'Cancel', verb: 'batch.cancel', data: { pending: input.pendingId } },
  ];
  const title = `Which IMAP server does ${what} read from?`;
  const card = renderCard('endpointForm', {
    title,
    text: `I kept ${input.fileName} (encrypted, for ${input.minutesKept} minutes). Add the IMAP endpoint the mail comes from${input.existing.length ? ', or pick one below' : ''}; then I go straight on to ${next}. No need to attach the file again.`,
    problem: input.problem ?? '',
    facts: [
      { title: 'File', value: input.fileName },
      { title: 'Rows', value: input.rows.toLocaleString('en-US') },
      ...(input.readAs ? [{ title: 'Read as', value: input.readAs }] : []),
    ],
    name: input.name ?? '',
    host: input.host ?? '',
    port: input.port ?? 993,
    security: input.security ?? 'ssl',
    existing: input.existing.map((e) => e.identity).join(', '),
    note: 'Exchange Online tests the server before the endpoint is created (Test-MigrationServerAvailability, then New-MigrationEndpoint).',
    actions,
  });
  return { card, summary: input.problem ? `${title} ${input.problem}` : title };
}
