// One preflight at a time per admin and endpoint, through the chat, against a real Dovecot behind a
// proxy that can hold connections: a second click while the first run waits on the server answers
// with the running one's card and opens no connection.

import net from 'node:net';
import { actionOf, startTestCutover, type TestCutover, finalCard } from '../support/cutover';
import { describeWithDovecot, type DovecotInstance, startDovecot } from '../support/dovecot';
import { waitFor } from '../support/ports';

/** A loopback proxy to `target` that, while paused, accepts connections and holds them unanswered. */
async function startHoldingProxy(target: number) {
  let paused = false;
  let seen = 0;
  const held: net.Socket[] = [];
  const sockets = new Set<net.Socket>();
  const pipe = (client: net.Socket) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => (client.destroy(), upstream.destroy());
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  };
  const server = net.createServer((client) => {
    seen++;
    sockets.add(client);
    if (paused) held.push(client);
    else pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen: () => seen,
    pause: () => void (paused = true),
    resume: () => {
      paused = false;
      for (const c of held.splice(0)) pipe(c);
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describeWithDovecot()('one preflight at a time per admin and endpoint', () => {
  let dc: DovecotInstance;
  let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;
  let t: TestCutover;

  beforeAll(async () => {
    dc = await startDovecot({ users: [{ login: 'lee', password: 'lee-pw-2', folders: [{ name: 'INBOX', messages: 5 }] }] });
    proxy = await startHoldingProxy(dc.imapPort);
    t = await startTestCutover();
    const [ep] = await t.say(`endpoint add held 127.0.0.1 ${proxy.port} none`);
    expect(ep.text).toMatch(/Endpoint held created/);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await dc?.stop();
  });

  it('a second preflight while one runs gets the running card and starts nothing', async () => {
    const csv = 'preflight endpoint held\nEmailAddress,UserName,Password\nleeg@contoso.edu,lee,lee-pw-2';
    proxy.pause();
    const before = proxy.seen();
    const [first] = await t.say(csv);
    expect(first.text).toMatch(/Preflight against 127\.0\.0\.1/);
    await waitFor(() => proxy.seen() === before + 1, { description: 'the first run connecting' });

    const [second] = await t.say(csv);
    expect(second.text).toMatch(/A preflight against 127\.0\.0\.1:\d+ is already running/);
    expect(second.text).toMatch(/Scanned\n0 of 1/);
    // Its Cancel button is the running one's.
    expect(actionOf(second.card, 'Cancel').data).toEqual(actionOf(first.card, 'Cancel').data);
    await new Promise((r) => setTimeout(r, 300));
    expect(proxy.seen()).toBe(before + 1);

    proxy.resume();
    expect(await finalCard(t, first, /Preflight result/)).toMatch(/Ready\n1/);
    // Finished: the next one starts.
    const [third] = await t.say(csv);
    expect(third.text).toMatch(/Preflight against 127\.0\.0\.1/);
    expect(third.text).not.toMatch(/already running/);
    await finalCard(t, third, /Preflight result/);
  });
});
