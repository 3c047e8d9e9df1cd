// cutover check against a real NSD on loopback: MX TTLs read through dns2, a domain whose MX
// still points at the old server, one mid-switch, one done, and a switch seen while it happens.

import { Dns2Resolver } from '../../src/adapters/dns/dns2Resolver';
import { CutoverService } from '../../src/services/cutover';
import { describeWithNsd, startNsd, type NsdInstance } from '../support/nsd';
import { FileStore } from '../../src/adapters/storage/fileStore';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExchangeAdmin } from '../../src/ports/exchange';

const OLD = ['@ 86400 IN MX 10 mail.old.test.', '@ 3600 IN TXT "v=spf1 mx -all"'];
const MID = [
  '@ 3600 IN MX 0 fabrikam-test.mail.protection.outlook.com.',
  '@ 3600 IN MX 10 mail.fabrikam.test.',
  '@ 3600 IN TXT "v=spf1 include:spf.protection.outlook.com -all"',
  'autodiscover 3600 IN CNAME autodiscover.outlook.com.',
];
const DONE = [
  '@ 300 IN MX 0 tailspin-test.r-v1.mx.microsoft.',
  '@ 3600 IN TXT "v=spf1 include:spf.protection.outlook.com -all"',
  'autodiscover 3600 IN CNAME autodiscover.outlook.com.',
];

describeWithNsd()('cutover check against NSD', () => {
  let nsd: NsdInstance;
  let service: CutoverService;
  let dir: string;
  beforeAll(async () => {
    nsd = await startNsd({ 'contoso.test': OLD, 'fabrikam.test': MID, 'tailspin.test': DONE });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-dns-'));
    service = new CutoverService({
      store: new FileStore(dir),
      clock: { now: () => new Date() },
      exchange: {} as ExchangeAdmin,
      resolvers: [new Dns2Resolver({ host: '127.0.0.1', port: nsd.port })],
      key: Buffer.alloc(32, 7),
      mailboxes: () => null,
    });
  });
  afterAll(async () => {
    await nsd?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the MX TTL (which Node cannot) and says the MX still points at the old server', async () => {
    const r = await new Dns2Resolver({ host: '127.0.0.1', port: nsd.port }).mx('contoso.test');
    expect(r).toEqual({ status: 'ok', records: [{ exchange: 'mail.old.test', priority: 10, ttl: 86400 }] });
    const check = await service.checkDomain('contoso.test');
    const rd = check.perResolver[0].readiness;
    expect(rd.mx.state).toBe('old');
    expect(rd.readyToSwitch).toBe(false);
    const byId = Object.fromEntries(rd.checks.map((c) => [c.id, c]));
    expect(byId['mx-ttl'].state).toBe('not-ready');
    expect(byId['mx'].fix).toBe('at the switch: contoso.test. 3600 IN MX 0 contoso-test.mail.protection.outlook.com.');
    expect(byId['spf'].fix).toBe('contoso.test. 3600 IN TXT "v=spf1 mx include:spf.protection.outlook.com -all"');
    expect(byId['autodiscover'].fix).toBe('autodiscover.contoso.test. 3600 IN CNAME autodiscover.outlook.com.');
    expect(check.visibility.visibleEverywhere).toBe(false);
  });

  it('says a domain is mid-switch when old and Exchange MX records are both published', async () => {
    const rd = (await service.checkDomain('fabrikam.test')).perResolver[0].readiness;
    expect(rd.mx.state).toBe('mid-switch');
    expect(rd.mx.otherHosts).toEqual(['mail.fabrikam.test']);
    expect(rd.checks.find((c) => c.id === 'mx')!.state).toBe('warn');
    expect(rd.readyToSwitch).toBe(true);
  });

  it('accepts the newer mx.microsoft form as switched', async () => {
    const check = await service.checkDomain('tailspin.test');
    expect(check.perResolver[0].readiness.switched).toBe(true);
    expect(check.visibility.visibleEverywhere).toBe(true);
  });

  it('sees the switch as soon as the zone changes, and an unknown domain as not there', async () => {
    await nsd.setZone('contoso.test', [
      '@ 3600 IN MX 0 contoso-test.mail.protection.outlook.com.',
      '@ 3600 IN TXT "v=spf1 include:spf.protection.outlook.com -all"',
      'autodiscover 3600 IN CNAME autodiscover.outlook.com.',
    ]);
    const check = await service.checkDomain('contoso.test');
    expect(check.perResolver[0].readiness.mx).toMatchObject({ state: 'exchange', ttl: 3600 });
    expect(check.perResolver[0].readiness.switched).toBe(true);
    const none = await service.checkDomain('nowhere.contoso.test');
    expect(none.perResolver[0].readiness.mx.state).toBe('none');
  });

  it('reports a resolver that does not answer instead of hanging', async () => {
    const dead = new Dns2Resolver({ host: '127.0.0.1', port: 9 }, { timeoutMs: 300 });
    const r = await dead.mx('contoso.test');
    expect(r.status).toBe('error');
  });
});
