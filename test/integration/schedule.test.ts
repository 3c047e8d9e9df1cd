// Scheduled starts: `batch new <name> … start <when>` creates the batch without -AutoStart and with
// Exchange's own -StartAfter (UTC). The emulator models it as Exchange does: the batch waits in
// Created, then starts by itself, whether Cutover is running or not (here the bot is stopped and a
// new one started while the time passes). `schedule` lists what waits, with a Cancel button each.

import { startExchangeEmulator, type RunningExchangeEmulator } from '../../src/emulator/exchange';
import { startGraphEmulator, type RunningGraphEmulator } from '../../src/emulator/graph';
import { startTestCutover, type TestCutover } from '../support/cutover';

const CSV = 'EmailAddress,UserName,Password\nterrya@contoso.edu,terry.adams,1091990\nannb@contoso.edu,ann.beebe,2111991';

describe('scheduled batch starts', () => {
  let exchange: RunningExchangeEmulator;
  let graph: RunningGraphEmulator;
  let env: Record<string, string>;
  const bots: TestCutover[] = [];

  beforeAll(async () => {
    [exchange, graph] = await Promise.all([startExchangeEmulator({ timeScale: 0 }), startGraphEmulator()]);
    env = { EXCHANGE_BASE_URL: exchange.baseUrl, GRAPH_BASE_URL: graph.baseUrl, WATCHER_ENABLED: 'false' };
  });
  afterAll(async () => {
    for (const b of bots) await b.close().catch(() => undefined);
    await Promise.all([exchange?.close(), graph?.close()]);
  });

  const start = async () => {
    const t = await startTestCutover(env);
    bots.push(t);
    return t;
  };
  const advance = async (seconds: number) => {
    await exchange.control.advance(seconds);
    await exchange.control.settle();
  };

  it('waits in Created until -StartAfter and starts by itself, also while the bot is down', async () => {
    const t1 = await start();
    await t1.say('endpoint add school imap.contoso.edu');
    // Three hours from Exchange's now, to the minute, in UTC.
    const at = new Date(Math.ceil((exchange.control.now().getTime() + 3 * 3600_000) / 60_000) * 60_000);
    const iso = at.toISOString().slice(0, 16) + 'Z';
    const utc = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
    const [card, planned] = await t1.say(`batch new pilot start ${iso}\n${CSV}`);
    expect(card.text).toMatch(/Create/);
    // Echoed in the admin's Teams time zone (the test client says Europe/London) and in UTC.
    expect(planned.text).toContain(`Batch pilot will start`);
    expect(planned.text).toContain('Europe/London');
    expect(planned.text).toContain(`(${utc})`);
    const created = await t1.press(card, /^Create/);
    expect(created.extra.map((c) => c.text).join('\n')).toMatch(/starts by itself[\s\S]*-StartAfter/);
    expect(created.extra.map((c) => c.text).join('\n')).toContain(`StartAfter '${at.toISOString()}'`);
    expect(created.extra.map((c) => c.text).join('\n')).not.toMatch(/New-MigrationBatch[^\n]*-AutoStart/);

    const [waiting] = await t1.say('batch show pilot');
    expect(waiting.text).toMatch(/endpoint school\nCreated\n/);
    const [list] = await t1.say('schedule');
    expect(list.text).toMatch(/pilot/);
    expect(list.text).toContain(utc);
    expect(list.text).toMatch(/Cancel pilot/);

    // Not yet: a minute before its time it still waits.
    await advance(3 * 3600 - 120);
    const [before] = await t1.say('batch show pilot');
    expect(before.text).toMatch(/endpoint school\nCreated\n/);

    // Cutover goes down; Exchange starts the batch at its time anyway; a new bot sees it syncing.
    await t1.close();
    await advance(600);
    const t2 = await start();
    const [after] = await t2.say('batch show pilot');
    expect(after.text).not.toMatch(/endpoint school\nCreated\n/);
    expect(after.text).toMatch(/Syncing|Synced/);
    const b = await exchangeBatch('pilot');
    expect(b.StartDateTimeUTC ?? b.StartDateTime).toBeTruthy();
    expect(new Date(String(b.StartDateTimeUTC ?? b.StartDateTime)).getTime()).toBe(at.getTime());
    const [nothing] = await t2.say('schedule');
    expect(nothing.text).toMatch(/Nothing is planned/);
  });

  it("reads a local time in the admin's zone and cancels a planned start", async () => {
    const t = await start();
    const [card, planned] = await t.say(`batch new later start tomorrow 22:00\n${CSV.replace(/terrya/, 'paulc').replace(/annb/, 'adelev')}`);
    expect(planned.text).toMatch(/Batch later will start \w{3} \d{4}-\d\d-\d\d 22:00 Europe\/London \(\d{4}-\d\d-\d\d \d\d:00 UTC\)/);
    await t.press(card, /^Create/);
    const [list] = await t.say('schedule');
    expect(list.text).toMatch(/later/);
    const cancelled = await t.press(list, 'Cancel later');
    expect(cancelled.text).toMatch(/Cancelled: batch later will not start/);
    await advance(600);
    const [gone] = await t.say('batch show later');
    expect(gone.text).toMatch(/not found|no batch|doesn't exist|can't be found/i);
    const [bad] = await t.say(`batch new other start yesterday\n${CSV}`);
    expect(bad.text).toMatch(/not a time I can read/);
  });

  /** Get-MigrationBatch straight from the emulator, as Exchange shows it. */
  async function exchangeBatch(name: string): Promise<Record<string, string | null>> {
    const res = await fetch(`${exchange.baseUrl}/adminapi/beta/${exchange.tenantId}/InvokeCommand`, {
      method: 'POST',
      headers: { authorization: `Bearer ${exchange.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-MigrationBatch', Parameters: { Identity: name } } }),
    });
    const body = (await res.json()) as { value: Record<string, string | null>[] };
    return body.value[0];
  }
});
