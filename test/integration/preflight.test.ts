// The preflight against a real Dovecot on loopback: fixtures written by the harness, results
// compared with what the fixture generator says is there.

import net from 'node:net';
import { ImapSourceMailboxDirectory } from '../../src/adapters/imap/sourceMailboxDirectory';
import { scanMailbox } from '../../src/adapters/imap/imapSource';
import { serializePreflightCsv } from '../../src/domain/preflight/report';
import { Secret } from '../../src/domain/secret';
import { PreflightReport, SourceConnectionGate } from '../../src/services/preflight';
import { runPreflight } from '../support/preflight';
import { describeWithDovecot, DovecotInstance, startDovecot } from '../support/dovecot';
import { expectedOversize, ExpectedMailbox } from '../support/mailFixtures';
import { freePort } from '../support/ports';

const MiB = 1024 * 1024;
const LIMIT = 35 * MiB; // 36,700,160
const ALICE_PW = 'alice-Pw,1"x';
const CAROL_PW = 'carol-pw-9';
const WRONG_PW = 'not-bobs-password-77';

function row(emailAddress: string, userName: string, password: string) {
  return { emailAddress, userName, password: new Secret(password) };
}

function byEmail(report: PreflightReport, email: string) {
  const u = report.users.find((x) => x.emailAddress === email);
  if (!u) throw new Error(`no ${email} in report`);
  return u;
}

function foldersOf(exp: ExpectedMailbox) {
  return Object.fromEntries(exp.folders.map((f) => [f.name, { itemCount: f.count, sizeBytes: f.bytes }]));
}

/** A loopback TCP proxy to `target` that drops every `dropEvery`-th connection at once and records peak parallelism. */
async function startProxy(target: number, dropEvery: number) {
  let seen = 0;
  let open = 0;
  let peak = 0;
  let dropped = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    seen++;
    if (dropEvery > 0 && seen % dropEvery === 1) {
      dropped++;
      client.destroy();
      return;
    }
    open++;
    peak = Math.max(peak, open);
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(upstream);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      open--;
      client.destroy();
      upstream.destroy();
    };
    client.pipe(upstream).pipe(client);
    // A connection counts until the client has closed its side (FIN): what the source server
    // sees as the client leaving. Waiting for Dovecot's side too would count its close round trip.
    client.on('error', close).on('end', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    stats: () => ({ seen, peak, dropped }),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A server that accepts and then behaves badly: says nothing, or sends non-IMAP and hangs up. */
async function startBadServer(mode: 'silent' | 'garbage') {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    if (mode === 'garbage') s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describeWithDovecot()('preflight against Dovecot', () => {
  let dc: DovecotInstance;

  beforeAll(async () => {
    dc = await startDovecot({
      users: [
        {
          login: 'alice',
          password: ALICE_PW,
          folders: [
            { name: 'INBOX', messages: 60, sizes: [38_000_000] },
            { name: 'Sent', messages: 20 },
            { name: 'Archive/2023', messages: 10 },
            { name: 'Archive/2024', messages: 5, sizes: [LIMIT] }, // exactly 35 MiB: not oversize
            { name: 'Projects/Équipe Zürich', messages: 4, sizes: [LIMIT + 1] },
            { name: 'Projects/日本語', messages: 3 },
            { name: 'Lists/dev & ops', messages: 2 },
            { name: 'Files', messages: 1 },
            { name: 'Empty' },
          ],
        },
        {
          login: 'bob',
          password: 'bob-pw',
          folders: [
            { name: 'INBOX', messages: 5 },
            { name: 'Sent', messages: 2 },
          ],
        },
        {
          login: 'carol@example.test',
          password: CAROL_PW,
          folders: [
            { name: 'INBOX', messages: 8 },
            { name: 'Sent Items', messages: 3 },
            { name: 'Projects/Q1', messages: 2 },
          ],
        },
        { login: 'dave', password: 'dave-pw', folders: [{ name: 'INBOX', messages: 3, sizes: [160 * MiB] }] },
      ],
    });
  }, 60_000);
  afterAll(async () => dc?.stop());

  const plain = () => ({ remoteServer: dc.host, port: dc.imapPort, security: 'None' as const });

  test('good users, wrong password, master-user logins, oversize items and folder names', async () => {
    const progress: number[] = [];
    const report = await runPreflight({
      scanner: scanMailbox,
      rows: [
        row('alice@contoso.test', 'alice', ALICE_PW),
        row('bob@contoso.test', 'bob', WRONG_PW),
        row('carol@contoso.test', `carol@example.test*${dc.masterUser}`, dc.masterPassword),
        row('ghost@contoso.test', `ghost*${dc.masterUser}`, dc.masterPassword),
        row('dave@contoso.test', 'dave', 'dave-pw'),
      ],
      server: plain(),
      limitFor: async () => LIMIT,
      perConnectionTimeoutMs: 5000,
      onProgress: (p) => progress.push(p.scanned),
    });
    // Results are added up as they land (from any instance): rising, ending at every row.
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(5);

    const alice = byEmail(report, 'alice@contoso.test');
    const aliceExp = dc.expected.get('alice')!;
    expect(alice.status).toBe('NeedsAttention');
    expect(alice.method).toBe('list-status');
    expect(Object.fromEntries(alice.folders.map((f) => [f.name, { itemCount: f.itemCount, sizeBytes: f.sizeBytes }]))).toEqual(foldersOf(aliceExp));
    expect(alice.itemCount).toBe(aliceExp.count);
    expect(alice.sizeBytes).toBe(aliceExp.bytes);
    // 38,000,000 in INBOX and 36,700,161 in the UTF-7 folder; 36,700,160 exactly is not over.
    expect(alice.largeItems.map((i) => ({ folder: i.folderName, size: i.size })).sort((a, b) => a.folder.localeCompare(b.folder))).toEqual(
      expectedOversize(aliceExp, LIMIT),
    );
    expect(alice.largeItems.map((i) => i.size)).toEqual([38_000_000, LIMIT + 1]);
    expect(alice.largeItems[0]).toMatchObject({ folderName: 'INBOX', subject: 'Fixture INBOX #61', fixableByRaisingLimit: true });
    expect(alice.largeItems[0].sender).toMatch(/@example\.test/);
    expect(alice.largeItems[0].dateSent).toBeInstanceOf(Date);
    expect(alice.folderIssues.map((f) => [f.folderName, f.kind])).toEqual([['Files', 'ReservedName']]);
    // Login + LIST + LOGOUT, then EXAMINE/SEARCH(/FETCH) per folder whose total is over the limit.
    expect(alice.roundTrips).toBeLessThanOrEqual(2 + alice.folders.length + 3 * 3);

    const bob = byEmail(report, 'bob@contoso.test');
    expect(bob.status).toBe('Blocked');
    expect(bob.failure?.kind).toBe('AuthenticationFailed');
    expect(bob.connections).toBe(1); // a wrong password is not retried

    const carol = byEmail(report, 'carol@contoso.test');
    expect(carol.status).toBe('Ready');
    expect(carol.itemCount).toBe(dc.expected.get('carol@example.test')!.count);
    expect(carol.folders.map((f) => f.name)).not.toContain('Projects'); // \NonExistent parent skipped

    expect(byEmail(report, 'ghost@contoso.test').failure?.kind).toBe('AuthorizationFailed');

    const dave = byEmail(report, 'dave@contoso.test');
    expect(dave.largeItems).toHaveLength(1);
    expect(dave.largeItems[0].fixableByRaisingLimit).toBe(false);

    expect(report.totals).toMatchObject({ users: 5, ready: 1, needsAttention: 2, blocked: 2, largeItems: 3 });
    expect(report.fixes.raiseLimits).toEqual([{ emailAddress: 'alice@contoso.test', currentLimitBytes: LIMIT, newLimitBytes: 37 * MiB, itemsBroughtIn: 2 }]);
    expect(report.fixes.unfixableLargeItems).toEqual([expect.objectContaining({ emailAddress: 'dave@contoso.test', size: 160 * MiB })]);
    expect(report.fixes.dropRows.sort()).toEqual(['bob@contoso.test', 'ghost@contoso.test']);
    expect(report.fixes.excludeFolders.map((f) => f.folderName)).toEqual(['Files']);
    expect(report.estimate.hours).toBeGreaterThan(0);
    expect(report.estimate.assumption).toMatch(/MB .* per hour/);

    // No password anywhere: report JSON, CSV report, failure texts.
    const everything = JSON.stringify(report) + serializePreflightCsv(report).toString('utf8');
    for (const pw of [ALICE_PW, WRONG_PW, CAROL_PW, dc.masterPassword, 'dave-pw']) expect(everything).not.toContain(pw);
    const csv = serializePreflightCsv(report)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split('\r\n');
    expect(csv[0]).toBe('Record,EmailAddress,UserName,Status,Problem,Cause,Fix,Folder,Items,SizeBytes,Subject,Sender,Date');
    expect(csv.filter((l) => l.startsWith('LargeItem,'))).toHaveLength(3);
  });

  test('server down (closed port) and a port that never answers', async () => {
    const closed = await freePort();
    const down = await runPreflight({
      scanner: scanMailbox,
      rows: [row('alice@contoso.test', 'alice', ALICE_PW)],
      server: { remoteServer: '127.0.0.1', port: closed, security: 'None' },
      limitFor: async () => LIMIT,
    });
    expect(down.users[0].failure?.kind).toBe('ConnectionRefused');
    expect(down.users[0].failure?.fix).toMatch(/port/);

    const silent = await startBadServer('silent');
    try {
      const started = Date.now();
      const r = await runPreflight({
        scanner: scanMailbox,
        rows: [row('alice@contoso.test', 'alice', ALICE_PW), row('bob@contoso.test', 'bob', 'bob-pw')],
        server: { remoteServer: '127.0.0.1', port: silent.port, security: 'None' },
        limitFor: async () => LIMIT,
        perConnectionTimeoutMs: 400,
      });
      expect(r.users.map((u) => u.failure?.kind)).toEqual(['Timeout', 'Timeout']);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await silent.close();
    }
  });

  test('a server that sends garbage is reported for the user, after a few retries', async () => {
    const bad = await startBadServer('garbage');
    try {
      const r = await runPreflight({
        scanner: scanMailbox,
        rows: [row('alice@contoso.test', 'alice', ALICE_PW)],
        server: { remoteServer: '127.0.0.1', port: bad.port, security: 'None' },
        limitFor: async () => LIMIT,
        perConnectionTimeoutMs: 1000,
        backoffMs: 20,
      });
      expect(r.users[0].failure?.kind).toBe('ProtocolError');
      expect(r.users[0].failure?.detail).not.toContain(ALICE_PW);
    } finally {
      await bad.close();
    }
  });

  test('unknown host name is NameNotFound', async () => {
    const r = await scanMailbox({ host: 'no-such-host.invalid', port: 143, security: 'None' }, { userName: 'alice', password: ALICE_PW }, { timeoutMs: 3000 });
    expect(!r.ok && r.failure.kind).toBe('NameNotFound');
  });

  test('TLS: implicit TLS and STARTTLS with the harness CA; untrusted certificate fails as TlsFailed', async () => {
    const login = { userName: 'bob', password: 'bob-pw' };
    const ssl = await scanMailbox({ host: dc.host, port: dc.imapsPort, security: 'Ssl', ca: dc.caCert }, login);
    expect(ssl.ok).toBe(true);
    const starttls = await scanMailbox({ host: dc.host, port: dc.imapPort, security: 'Tls', ca: dc.caCert }, login);
    expect(starttls.ok).toBe(true);
    const untrusted = await scanMailbox({ host: dc.host, port: dc.imapsPort, security: 'Ssl' }, login);
    expect(!untrusted.ok && untrusted.failure.kind).toBe('TlsFailed');
    const accepted = await scanMailbox({ host: dc.host, port: dc.imapsPort, security: 'Ssl', acceptUntrustedCertificates: true }, login);
    expect(accepted.ok).toBe(true);
    // Ssl against the plain port: the handshake cannot succeed.
    const wrongPort = await scanMailbox({ host: dc.host, port: dc.imapPort, security: 'Ssl', acceptUntrustedCertificates: true }, login, { timeoutMs: 2000 });
    expect(!wrongPort.ok && wrongPort.failure.kind).toBe('TlsFailed');
  });

  test('all three sizing methods agree', async () => {
    const exp = dc.expected.get('alice')!;
    for (const method of ['list-status', 'status', 'fetch'] as const) {
      const r = await scanMailbox(
        { host: dc.host, port: dc.imapPort, security: 'None' },
        { userName: 'alice', password: ALICE_PW },
        { largeItemLimitBytes: LIMIT, forceMethod: method },
      );
      if (!r.ok) throw new Error(r.failure.cause);
      expect(Object.fromEntries(r.folders.map((f) => [f.name, { itemCount: f.itemCount, sizeBytes: f.sizeBytes }]))).toEqual(foldersOf(exp));
      expect(r.largeItems.map((i) => i.size)).toEqual([38_000_000, LIMIT + 1]);
    }
  });

  test('a dropping proxy slows the scan but does not fail it; concurrency and one connection per login hold', async () => {
    const proxy = await startProxy(dc.imapPort, 3);
    try {
      const rows = [
        row('alice@contoso.test', 'alice', ALICE_PW),
        row('bob@contoso.test', 'bob', 'bob-pw'),
        row('bob2@contoso.test', 'bob', 'bob-pw'), // same login twice: never two connections at once
        row('carol@contoso.test', `carol@example.test*${dc.masterUser}`, dc.masterPassword),
        row('dave@contoso.test', 'dave', 'dave-pw'),
      ];
      const r = await runPreflight({
        scanner: scanMailbox,
        rows,
        server: { remoteServer: '127.0.0.1', port: proxy.port, security: 'None' },
        limitFor: async () => LIMIT,
        maxConcurrent: 2,
        backoffMs: 20,
      });
      expect(r.users.map((u) => u.failure?.kind ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      expect(proxy.stats().dropped).toBeGreaterThan(0);
      expect(r.stats.retries).toBe(proxy.stats().dropped);
      expect(proxy.stats().peak).toBeLessThanOrEqual(2);
      expect(r.stats.peakConcurrency).toBeLessThanOrEqual(2);
    } finally {
      await proxy.close();
    }
  });

  test('two preflights against one server share its connection cap', async () => {
    const rows = [
      row('alice@contoso.test', 'alice', ALICE_PW),
      row('bob@contoso.test', 'bob', 'bob-pw'),
      row('carol@contoso.test', `carol@example.test*${dc.masterUser}`, dc.masterPassword),
      row('dave@contoso.test', 'dave', 'dave-pw'),
    ];
    const twoRuns = async (gate: () => SourceConnectionGate) => {
      const proxy = await startProxy(dc.imapPort, 0);
      try {
        const run = () =>
          runPreflight({
            scanner: scanMailbox,
            rows,
            server: { remoteServer: '127.0.0.1', port: proxy.port, security: 'None' },
            limitFor: async () => LIMIT,
            maxConcurrent: 2,
            connections: gate(),
          });
        const reports = await Promise.all([run(), run()]);
        for (const r of reports) expect(r.users.map((u) => u.failure?.kind ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'ok']);
        return proxy.stats().peak;
      } finally {
        await proxy.close();
      }
    };
    // Each run on its own: 2 + 2 connections at once. Sharing the process's gate: 2 in all.
    expect(await twoRuns(() => new SourceConnectionGate())).toBeGreaterThan(2);
    const shared = new SourceConnectionGate();
    expect(await twoRuns(() => shared)).toBe(2);
    expect(shared.count('127.0.0.1:' + String(dc.imapPort))).toBe(0);
  });

  test('cancel: rows not yet scanned come back as Cancelled', async () => {
    const ac = new AbortController();
    const r = await runPreflight({
      scanner: scanMailbox,
      rows: [row('a@x.test', 'alice', ALICE_PW), row('b@x.test', 'bob', 'bob-pw'), row('c@x.test', 'dave', 'dave-pw')],
      server: plain(),
      limitFor: async () => LIMIT,
      maxConcurrent: 1,
      onProgress: (p) => {
        if (p.scanned === 1) ac.abort();
      },
      signal: ac.signal,
    });
    expect(r.cancelled).toBe(true);
    expect(r.users[0].failure).toBeNull();
    expect(r.users.slice(1).map((u) => u.failure?.kind)).toEqual(['Cancelled', 'Cancelled']);
    expect(r.fixes.dropRows).toEqual([]);
  });

  test('emulator source directory reads the real mailbox', async () => {
    const dir = new ImapSourceMailboxDirectory({ isDemoHost: (h) => h === 'imap.contoso.edu' });
    const server = { remoteServer: dc.host, port: dc.imapPort, security: 'None' as const };
    expect(dir.handles(server)).toBe(true);
    expect(dir.handles({ ...server, remoteServer: 'IMAP.contoso.edu' })).toBe(false);
    expect(await dir.probe(server)).toEqual({ ok: true });
    const closed = await dir.probe({ ...server, port: await freePort() });
    expect(!closed.ok && closed.failure).toBe('ConnectionRefused');

    const open = await dir.open(server, { userName: 'alice', password: ALICE_PW }, { largeItemLimitBytes: LIMIT, excludeFolders: ['Projects/*'] });
    if (!open.ok) throw new Error(open.detail);
    expect(open.folders.map((f) => f.name)).not.toContain('Projects/日本語');
    expect(open.folders.find((f) => f.name === 'INBOX')?.itemCount).toBe(61);
    expect(open.largeItems.map((i) => i.size)).toEqual([38_000_000]); // the other one was in an excluded folder

    const wrong = await dir.open(server, { userName: 'alice', password: WRONG_PW }, { largeItemLimitBytes: LIMIT });
    expect(!wrong.ok && wrong.failure).toBe('AuthenticationFailed');
    expect(JSON.stringify(wrong)).not.toContain(WRONG_PW);
    const ghost = await dir.open(server, { userName: `ghost*${dc.masterUser}`, password: dc.masterPassword }, { largeItemLimitBytes: LIMIT });
    expect(!ghost.ok && ghost.failure).toBe('AuthenticationFailed');
  });
});

describeWithDovecot()('preflight against older and differently laid-out servers', () => {
  let old: DovecotInstance;
  let fsLayout: DovecotInstance;
  beforeAll(async () => {
    [old, fsLayout] = await Promise.all([
      startDovecot({
        hideListStatus: true,
        users: [
          {
            login: 'erin',
            password: 'erin-pw',
            folders: [
              { name: 'INBOX', messages: 12, sizes: [LIMIT + 10] },
              { name: 'Work/Q2', messages: 4 },
            ],
          },
        ],
      }),
      startDovecot({
        layoutFs: true,
        separator: '.',
        users: [
          {
            login: 'frank',
            password: 'frank-pw',
            folders: [
              { name: 'INBOX', messages: 2 },
              { name: 'Clients/acme/Invoices', messages: 3 },
            ],
          },
        ],
      }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await old?.stop();
    await fsLayout?.stop();
  });

  test('no LIST-STATUS / STATUS=SIZE: falls back to FETCH sizes and still finds the oversize message', async () => {
    const r = await runPreflight({
      scanner: scanMailbox,
      rows: [row('erin@contoso.test', 'erin', 'erin-pw')],
      server: { remoteServer: old.host, port: old.imapPort, security: 'None' },
      limitFor: async () => LIMIT,
    });
    const erin = r.users[0];
    expect(erin.method).toBe('fetch');
    expect(erin.itemCount).toBe(old.expected.get('erin')!.count);
    expect(erin.sizeBytes).toBe(old.expected.get('erin')!.bytes);
    expect(erin.largeItems.map((i) => i.size)).toEqual([LIMIT + 10]);
  });

  test("'.' separator with LAYOUT=fs: \\Noselect parents skipped, names joined with '/'", async () => {
    const r = await scanMailbox({ host: fsLayout.host, port: fsLayout.imapPort, security: 'None' }, { userName: 'frank', password: 'frank-pw' });
    if (!r.ok) throw new Error(r.failure.cause);
    expect(r.folders.map((f) => [f.name, f.itemCount]).sort()).toEqual([
      ['Clients/acme/Invoices', 3],
      ['INBOX', 2],
    ]);
    expect(r.folders.find((f) => f.name !== 'INBOX')?.delimiter).toBe('.');
  });
});
