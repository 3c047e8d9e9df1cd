// csv build <format> batch <name>: the migration CSV for a master-user (admin) migration,
// built from a list of addresses and one admin credential typed into a password field on
// the card. The credential goes straight into a sealed pending upload: it is never echoed,
// stored in clear, or put in a downloadable file.

import { randomBytes } from 'node:crypto';
import { csvBuildCard } from '../cards/csvBuild';
import { buildMasterUserCsv, parseAddressList, type MasterUserFormat } from '../domain/csv/masterUserCsv';
import { CsvMasker, validateMigrationCsv } from '../domain/csv/migrationCsv';
import { toPowerShell } from '../domain/exchange/powershell';
import { Secret } from '../domain/secret';
import { DELETE_ITEM, mutate } from '../ports/store';
import { maskAction, pickEndpoint, validationCard } from './batchNew';
import { checkCsvAgainstExchange } from './csvCheck';
import type { ActionResult, Actor, CommandDeps, CommandResult, IncomingFile, Reply } from './types';
import { actionResult, FileFetchError } from './types';
import { exchangeErrorReply, notice } from './views';

export type CsvBuildFormat = 'dovecot' | 'exchange' | 'mirapoint' | 'courier' | 'custom';

const FORMAT_TEXT: Record<CsvBuildFormat, { label: string; example: (admin: string) => string }> = {
  dovecot: { label: 'Dovecot (user*admin)', example: (a) => `Each row logs in as <user>*${a}, e.g. terrya*${a}.` },
  exchange: { label: 'Exchange (Domain/Admin/User)', example: (a) => `Each row logs in as <domain>/${a}/<user>.` },
  mirapoint: { label: 'Mirapoint (#user@domain#Admin#)', example: (a) => `Each row logs in as #<address>#${a}#.` },
  courier: { label: 'Courier / Oracle (admin with UserRoot)', example: (a) => `Each row logs in as ${a} with UserRoot /users/<user>.` },
  custom: { label: 'Custom pattern', example: () => 'Each row logs in with your pattern, e.g. {user}*{admin}.' },
};

interface BuildRequest {
  format: CsvBuildFormat;
  batchName: string;
  endpoint: string;
  separator?: string;
  addresses: string[];
  by: string;
  createdAt: string;
}

const PREFIX = 'csvbuild/';
const TTL_MS = 30 * 60 * 1000;

export interface CsvBuildInput {
  format: CsvBuildFormat;
  batchName: string;
  endpoint?: string;
  separator?: string;
  pastedAddresses?: string;
}

/** Step 1: the address list (pasted or attached) → a card asking for the admin credential. */
export async function csvBuildCommand(deps: CommandDeps, actor: Actor, input: CsvBuildInput, files: IncomingFile[]): Promise<CommandResult> {
  let text = input.pastedAddresses ?? '';
  const file = files.find((f) => /\.(csv|txt)$/i.test(f.name));
  if (file) {
    try {
      text = (await deps.files.fetch(file)).toString('utf8');
    } catch (err) {
      return {
        replies: [
          notice({
            title: `Could not read ${file.name}`,
            tone: 'bad',
            text: err instanceof FileFetchError ? err.message : 'The file could not be downloaded.',
          }),
        ],
      };
    }
  }
  const { addresses, problems } = parseAddressList(text);
  if (addresses.length === 0) {
    return {
      replies: [
        notice({
          title: 'Which mailboxes?',
          tone: 'warn',
          text: 'Paste the addresses under the command line (one per line, or separated by commas), or attach a .csv/.txt file with them.',
          usage: ['csv build <dovecot|exchange|mirapoint|courier|custom> batch <name> [endpoint <endpoint>]'],
        }),
      ],
    };
  }
  try {
    const endpoint = await pickEndpoint(deps, input.endpoint);
    if (!('identity' in endpoint)) return { replies: [endpoint] };
    const id = randomBytes(12).toString('base64url');
    const req: BuildRequest = {
      format: input.format,
      batchName: input.batchName,
      endpoint: endpoint.identity,
      separator: input.separator,
      addresses,
      by: actor.id,
      createdAt: deps.clock.now().toISOString(),
    };
    await deps.store.write({ [PREFIX + id]: req });
    const f = FORMAT_TEXT[input.format];
    const card = csvBuildCard({
      title: `Build the CSV for batch ${input.batchName}`,
      text: "One admin login opens every mailbox, so you don't need each person's password. Type the source server's admin credential below.",
      facts: [
        { title: 'Source server', value: f.label },
        { title: 'Addresses', value: addresses.length.toLocaleString('en-US') },
        { title: 'Endpoint', value: `${endpoint.identity} (${endpoint.remoteServer}:${endpoint.port})` },
      ],
      lines: [
        f.example('<admin>'),
        ...problems.slice(0, 5).map((p) => p.message),
        ...(problems.length > 5 ? [`…and ${problems.length - 5} more left out.`] : []),
      ],
      askDomain: input.format === 'exchange',
      askPattern: input.format === 'custom',
      powershell: toPowerShell('New-MigrationBatch', { Name: input.batchName, SourceEndpoint: endpoint.identity, CSVData: Buffer.alloc(0) }),
      actions: [{ title: 'Build the CSV and check it', verb: 'csv.build', data: { build: id }, style: 'positive' }],
    });
    return { replies: [{ card, summary: `Build the CSV for batch ${input.batchName}` }] };
  } catch (err) {
    return { replies: [exchangeErrorReply('Reading the endpoints', err, toPowerShell('Get-MigrationEndpoint', { Type: 'IMAP' }))] };
  }
}

function formatOf(req: BuildRequest, data: Record<string, unknown>): MasterUserFormat | string {
  const s = (k: string) => (typeof data[k] === 'string' ? (data[k] as string).trim() : '');
  switch (req.format) {
    case 'dovecot':
      return { kind: 'dovecot', separator: req.separator };
    case 'exchange':
      return s('domain') ? { kind: 'exchange', domain: s('domain') } : 'Type the Windows domain of the admin account.';
    case 'mirapoint':
      return { kind: 'mirapoint' };
    case 'courier':
      return { kind: 'courier' };
    case 'custom':
      return s('pattern') ? { kind: 'custom', userNamePattern: s('pattern') } : 'Type the UserName pattern, e.g. {user}*{admin}.';
  }
}

/** Step 2: the card's button, with the typed credential → a sealed pending batch and its validation card. */
export async function csvBuildAction(deps: CommandDeps, actor: Actor, data: Record<string, unknown>): Promise<ActionResult> {
  const id = typeof data.build === 'string' && /^[A-Za-z0-9_-]{8,40}$/.test(data.build) ? data.build : 'invalid';
  const key = PREFIX + id;
  const req = (await deps.store.read([key]))[key] as BuildRequest | undefined;
  const asResult = (r: Reply, keepOriginal = false): ActionResult => actionResult(r, { keepOriginal });
  if (!req || deps.clock.now().getTime() - Date.parse(req.createdAt) > TTL_MS) {
    return asResult(notice({ title: 'This form expired', tone: 'warn', text: 'Send the csv build command again.' }));
  }
  if (req.by !== actor.id) return asResult(notice({ title: 'Only the person who asked can fill this in', tone: 'warn' }), true);
  const format = formatOf(req, data);
  if (typeof format === 'string') return asResult(notice({ title: 'One more field', tone: 'warn', text: format }), true);
  const password = new Secret(typeof data.adminPassword === 'string' ? data.adminPassword : '');
  const built = buildMasterUserCsv({
    addresses: req.addresses,
    admin: { userName: typeof data.adminUser === 'string' ? data.adminUser : '', password },
    format,
  });
  if (!built.ok) {
    // Only the typed admin password can be a secret here: the way out is a masker that knows it.
    const masker = CsvMasker.of([password.reveal()]);
    return maskAction(
      asResult(notice({ title: 'The CSV could not be built', tone: 'warn', lines: built.problems.slice(0, 8).map((p) => p.message) }), true),
      masker,
    );
  }
  try {
    const endpoint = await deps.exchange.getMigrationEndpoint(req.endpoint);
    if (!endpoint) return asResult(notice({ title: `Endpoint ${req.endpoint} is gone`, tone: 'warn' }));
    const validation = await checkCsvAgainstExchange(deps, validateMigrationCsv(built.csv));
    const pendingId = await deps.pending.put({
      batchName: req.batchName,
      endpoint: req.endpoint,
      excludeFolders: [],
      csv: built.csv,
      createdBy: { id: actor.id, name: actor.name },
      conversationId: '',
      summary: { fileName: `built for ${FORMAT_TEXT[req.format].label}`, rows: built.rows },
      masker: validation.masker,
    });
    await mutate(deps.store, key, () => DELETE_ITEM);
    await deps.audit.record({ actor, action: 'csv.build', target: req.batchName, result: 'ok', detail: `${built.rows} rows, ${req.format}` });
    const r = validationCard(
      { batch: req.batchName, endpoint, excludeFolders: [], fileName: `built (${FORMAT_TEXT[req.format].label}), e.g. ${built.sample.userName}`, pendingId },
      validation,
      0,
    );
    return asResult(r);
  } finally {
    built.csv.fill(0);
  }
}
