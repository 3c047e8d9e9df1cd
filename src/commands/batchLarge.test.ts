// The progress card of a batch above LARGE_BATCH users: counts from the batch's counters and
// only the users up to the page shown, against the emulator through the real REST adapter.

import { createExchangeAdmin, StaticTokenSource } from '../adapters/exchange';
import { startExchangeEmulator, type RunningExchangeEmulator } from '../emulator/exchange';
import { batchProgressState, countUsers, LARGE_BATCH, sortUsersForCard } from './batch';
import type { CommandDeps } from './types';
import { targetLookups } from './csvCheck';
import { validateMigrationCsv } from '../domain/csv/migrationCsv';
import { handlerDeps } from '../../test/support/handlerDeps';

let emu: RunningExchangeEmulator;
const closing: (() => Promise<void>)[] = [];
afterAll(async () => {
  await emu?.close();
  for (const close of closing) await close();
});

it('reads counts from the batch and one page of users, failed first, matching a full read', async () => {
  emu = await startExchangeEmulator({ timeScale: 0, startTime: new Date('2026-11-24T10:00:00Z') });
  const n = LARGE_BATCH + 200;
  const addresses = Array.from({ length: n }, (_, i) => `big${String(i).padStart(5, '0')}@contoso.edu`);
  emu.control.addMailboxes(addresses);
  const exchange = createExchangeAdmin({ baseUrl: emu.baseUrl, tenantId: emu.tenantId, tokenSource: new StaticTokenSource(emu.accessToken) });
  await exchange.newImapMigrationEndpoint({ name: 'school', remoteServer: 'imap.contoso.edu', port: 993, security: 'Ssl' } as never);
  // The demo IMAP source knows none of these logins: they fail, as a wrong password does.
  const csv = ['EmailAddress,UserName,Password', ...addresses.map((a, i) => `${a},${a.split('@')[0]},pw${i}`)].join('\r\n');
  await exchange.newImapMigrationBatch({ name: 'big', sourceEndpoint: 'school', rows: validateMigrationCsv(Buffer.from(csv)).rows, autoStart: true } as never);
  await emu.control.advance(60);

  const calls: string[] = [];
  const counted = new Proxy(exchange, {
    get: (t, k) => {
      const v = (t as unknown as Record<PropertyKey, unknown>)[k];
      if (typeof v !== 'function') return v;
      return (...a: unknown[]) => {
        calls.push(String(k));
        return (v as (...args: unknown[]) => unknown).apply(t, a);
      };
    },
  });
  const h = await handlerDeps({ exchange: counted });
  closing.push(h.close);
  const deps: CommandDeps = h.deps;
  const state = await batchProgressState(deps, 'big', 1);
  const text = JSON.stringify(state!.reply.card);

  // The reference: every user, read with next links followed (the card itself ran under strict paging).
  expect(emu.control.strictPaging()).toBe(true);
  emu.control.setStrictPaging(false);
  const all = await exchange.getMigrationUsers({ batchId: 'big' });
  emu.control.setStrictPaging(true);
  const c = countUsers(all);
  expect(c.total).toBe(n);
  expect(text).toContain(`Users 11–20 of ${n}`);
  for (const [label, value] of [
    ['Total', c.total],
    ['Synced', c.synced],
    ['Failed', c.failed],
    ['Queued', c.queued],
  ] as const) {
    expect(text).toMatch(new RegExp(`"text":"${value.toLocaleString('en-US')}"[^}]*}[^}]*"text":"${label}"`));
  }
  // The second page in card order is the same set of users a full read puts there.
  const expected = sortUsersForCard(all)
    .slice(10, 20)
    .map((u) => u.emailAddress)
    .sort();
  expect(expected.every((e) => text.includes(e))).toBe(true);
  // Not a full read: no unfiltered Get-MigrationUser of the whole batch.
  expect(calls.filter((k) => k === 'getMigrationUsers').length).toBeLessThanOrEqual(6);
  expect(text).not.toContain('the list is incomplete');

  // Beyond one page of a group, under strict paging: the users that could be read, and the card says the list is incomplete.
  const deep = JSON.stringify((await batchProgressState(deps, 'big', 110))!.reply.card);
  expect(deep).toMatch(/Cutover could read 1,\d{3} of 1,200 users from Exchange: the list is incomplete\./);
  expect(deep).toContain(`"text":"${c.total.toLocaleString('en-US')}"`);
});

it('batch new checks every target mailbox of a large CSV even when Exchange hands over one page of mailboxes', async () => {
  const strict = await startExchangeEmulator({ timeScale: 0, startTime: new Date('2026-11-24T10:00:00Z') });
  try {
    expect(strict.control.strictPaging()).toBe(true);
    const addresses = Array.from({ length: 1500 }, (_, i) => `m${String(i).padStart(5, '0')}@contoso.edu`);
    strict.control.addMailboxes(addresses);
    const exchange = createExchangeAdmin({ baseUrl: strict.baseUrl, tenantId: strict.tenantId, tokenSource: new StaticTokenSource(strict.accessToken) });
    // 250 rows (the bulk path), most of them beyond the first page of Get-Mailbox, and one with no mailbox.
    const wanted = [...addresses.slice(1250), 'nobody@contoso.edu'];
    const csv = ['EmailAddress,UserName,Password', ...wanted.map((a, i) => `${a},${a.split('@')[0]},pw${i}`)].join('\r\n');
    const h = await handlerDeps({ exchange });
    const lookups = await targetLookups(h.deps, validateMigrationCsv(csv)).finally(() => h.close());
    expect(wanted.slice(0, -1).every((a) => lookups.mailboxExists(a))).toBe(true);
    expect(lookups.mailboxExists('nobody@contoso.edu')).toBe(false);
  } finally {
    await strict.close();
  }
}, 60_000);
