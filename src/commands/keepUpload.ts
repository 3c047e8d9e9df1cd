// A CSV attached before its endpoint exists (or naming one that does not): the upload is
// kept sealed (PendingBatches) and the answer is a card to add the endpoint or pick one.
// Once it is there (src/commands/pendingUpload.ts) the work goes straight on from the
// kept file: nothing the admin attached is asked for twice.

import { endpointFormCard } from '../cards/endpointForm';
import { describeReading, isAmbiguous, type MigrationCsvValidation } from '../domain/csv/migrationCsv';
import type { Actor, CommandDeps, Reply } from './types';
import { notice } from './views';

export const KEPT_MINUTES = 30;

/** A reply built from the CSV, through the file's masker. */
function masked(reply: Reply, validation: MigrationCsvValidation): Reply {
  return { card: validation.masker.scrubDeep(reply.card), summary: validation.masker.scrub(reply.summary) };
}

export async function keepForEndpoint(
  deps: CommandDeps,
  actor: Actor,
  conversationId: string,
  input: {
    purpose: 'batch' | 'preflight';
    batchName: string;
    /** The endpoint the command named (absent: none named). */
    wanted?: string;
    excludeFolders: string[];
    csv: Buffer;
    fileName: string;
    validation: MigrationCsvValidation;
  },
): Promise<Reply> {
  const v = input.validation;
  const usable = !v.fatal && v.totals.validRows > 0;
  const ambiguous = v.reading !== null && isAmbiguous(v.reading);
  if (!usable && !ambiguous) {
    // Nothing worth keeping: say what to fix first (problem texts never quote a password cell).
    const first = v.problems.slice(0, 3);
    return masked(
      notice({
        title: 'The CSV needs fixing first',
        tone: 'bad',
        text: first.length ? first.map((p) => `${p.message} ${p.fix}`).join('\n\n') : 'Every row has a problem.',
        lines: ['Then attach it again; the IMAP endpoint can be added at the same time (the card will ask).'],
      }),
      v,
    );
  }
  const endpoints = (await deps.exchange.getMigrationEndpoints()).filter((e) => e.endpointType.toUpperCase() === 'IMAP');
  const pendingId = await deps.pending.put({
    batchName: input.batchName,
    endpoint: '',
    purpose: input.purpose,
    excludeFolders: input.excludeFolders,
    csv: input.csv,
    createdBy: { id: actor.id, name: actor.name },
    conversationId,
    summary: { fileName: input.fileName, rows: v.totals.rows },
    masker: v.masker,
  });
  await deps.audit.record({
    actor,
    action: input.purpose === 'batch' ? 'batch.validate' : 'preflight',
    target: input.batchName || 'preflight',
    result: 'ok',
    detail: `CSV kept (${v.totals.rows} rows) until the endpoint is chosen`,
  });
  const named = input.wanted && !endpoints.some((e) => e.identity.toLowerCase() === input.wanted!.toLowerCase());
  const problem = named
    ? `There is no IMAP endpoint called ${input.wanted} yet: add it here.`
    : endpoints.length > 1
      ? `There are ${endpoints.length} IMAP endpoints: pick one, or add another.`
      : '';
  return masked(
    endpointFormCard({
      pendingId,
      purpose: input.purpose,
      batchName: input.batchName,
      fileName: input.fileName,
      rows: v.totals.rows,
      readAs: v.reading ? describeReading(v.reading) : null,
      existing: endpoints.map((e) => ({ identity: e.identity, remoteServer: e.remoteServer, port: e.port })),
      name: named ? input.wanted : undefined,
      problem,
      minutesKept: KEPT_MINUTES,
    }),
    v,
  );
}
