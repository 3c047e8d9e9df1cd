// Preflights on two instances against one source server share its connection cap through the
// blob-lease budget on the storage account (Azurite): a counting proxy in front of Dovecot never
// sees more than the endpoint's cap, where two per-process gates would let each instance use it all.

import { scanMailbox } from '../../src/adapters/imap/imapSource';
import { BlobLeaseBudget } from '../../src/adapters/storage/blobLeaseBudget';
import { Secret } from '../../src/domain/secret';
import type { ConnectionBudget } from '../../src/ports/connectionBudget';
import { SourceConnectionGate } from '../../src/services/preflight';
import { runPreflight } from '../support/preflight';
import { startAzurite, type RunningAzurite } from '../support/azurite';
import { describeWithDovecot, startDovecot, type DovecotInstance, type FixtureUser } from '../support/dovecot';
import { latencyProxy } from '../support/latencyProxy';

const USERS: FixtureUser[] = Array.from({ length: 6 }, (_, i) => ({
  login: `p${i}@example.test`,
  password: `p${i}-pw`,
  folders: [{ name: 'INBOX', messages: 3 }],
  seed: 70 + i,
}));

describeWithDovecot()('preflight connection cap across instances', () => {
  let azurite: RunningAzurite;
  let dc: DovecotInstance;
  beforeAll(async () => {
    [azurite, dc] = await Promise.all([startAzurite(), startDovecot({ users: USERS })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([azurite?.close(), dc?.stop()]);
  });

  const twoInstances = async (budget: () => ConnectionBudget): Promise<number> => {
    const proxy = await latencyProxy(dc.imapPort, 30);
    try {
      const rows = USERS.map((u) => ({ emailAddress: u.login, userName: u.login, password: new Secret(u.password) }));
      const run = () =>
        runPreflight({
          scanner: scanMailbox,
          rows,
          server: { remoteServer: '127.0.0.1', port: proxy.port, security: 'None' },
          limitFor: async () => 36 * 1024 * 1024,
          maxConcurrent: 2,
          connections: budget(),
        });
      const reports = await Promise.all([run(), run()]);
      for (const r of reports) expect(r.users.map((u) => u.failure?.kind ?? 'ok')).toEqual(USERS.map(() => 'ok'));
      return proxy.peak();
    } finally {
      proxy.close();
    }
  };

  it('each instance with its own gate uses the whole cap; with the shared budget both together stay within it', async () => {
    expect(await twoInstances(() => new SourceConnectionGate())).toBeGreaterThan(2);
    expect(await twoInstances(() => new BlobLeaseBudget({ connectionString: azurite.connectionString, container: 'state', waitMs: 10 }))).toBe(2);
  }, 60_000);
});
