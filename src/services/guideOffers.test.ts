// GuideOffers against the Graph emulator (real Graph client) and the file store: Graph failing
// for a while, a restart with work queued, and a person never reachable.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StaticTokenSource } from '../adapters/exchange/tokenSource';
import { GraphClient } from '../adapters/graph/graphClient';
import { FileStore } from '../adapters/storage/fileStore';
import { startGraphEmulator, type RunningGraphEmulator } from '../emulator/graph';
import { systemClock } from '../ports/clock';
import type { Reply } from '../cards/reply';
import { AuditLog } from './auditLog';
import { Conversations, type ConversationRef } from './conversations';
import { GuideOffers, type GuideOffersDeps } from './guideOffers';
import { Subscriptions } from './subscriptions';

const silent = { info() {}, warn() {} };

describe('GuideOffers', () => {
  let graph: RunningGraphEmulator;
  let dir: string;
  beforeAll(async () => {
    graph = await startGraphEmulator();
  });
  afterAll(async () => graph?.close());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-offers-'));
    graph.control.clearFaults();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function setup(o: Partial<GuideOffersDeps> = {}) {
    const store = new FileStore(path.join(dir, 'state'));
    const conversations = new Conversations(store, systemClock);
    const subscriptions = new Subscriptions(store, systemClock);
    await subscriptions.subscribe('19:admins@thread.tacv2', { all: true }, { id: 'admin' });
    const terry = graph.control.users().find((u) => u.mail === 'terrya@contoso.edu')!;
    await conversations.remember(
      {
        channelId: 'msteams',
        serviceUrl: 'http://127.0.0.1:9/',
        conversation: { id: 'a:terry', conversationType: 'personal' },
        user: { aadObjectId: terry.id },
      } as ConversationRef,
      'installationUpdate',
    );
    const sent: { to: string | undefined; reply: Reply }[] = [];
    const offers = () =>
      new GuideOffers({
        store,
        clock: systemClock,
        subscriptions,
        directory: new GraphClient({ baseUrl: graph.baseUrl, tokenSource: new StaticTokenSource(graph.accessToken), maxAttempts: 1 }),
        conversations,
        sink: { send: async (ref, reply) => (sent.push({ to: ref.conversation?.id, reply }), 'id') },
        offer: () => ({ card: { type: 'AdaptiveCard' }, summary: 'Your move to Exchange' }),
        audit: new AuditLog(store, systemClock),
        teamsAppId: 'app',
        canInstallApps: true,
        log: silent,
        retryDelayMs: 50,
        ...o,
      });
    return { store, sent, offers };
  }

  it('retries a person while Graph fails, then offers once', async () => {
    const { sent, offers } = await setup();
    graph.control.injectFault({ match: 'GET /v1.0/users', status: 503, times: 2 });
    const g = offers();
    expect(await g.usersSynced('pilot', ['terrya@contoso.edu'])).toBe(1);
    await g.idle();
    expect(sent).toHaveLength(0);
    // The retry timer works the queue again: once more failing, then through.
    const deadline = Date.now() + 5000;
    while (sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await g.idle();
    expect(sent.map((s) => s.to)).toEqual(['a:terry']);
    expect((await g.recordOf('terrya@contoso.edu'))?.state).toBe('offered');
    // Found again later: nothing new.
    expect(await g.usersSynced('pilot', ['terrya@contoso.edu'])).toBe(0);
    await g.stop();
    expect(sent).toHaveLength(1);
  });

  it('keeps queued people across a restart, and gives up on one Graph never answers for', async () => {
    const { sent, offers } = await setup({ maxAttempts: 2 });
    graph.control.injectFault({ match: 'GET /v1.0/users', status: 503, times: 100 });
    const first = offers();
    await first.usersSynced('pilot', ['terrya@contoso.edu']);
    await first.stop();
    expect(sent).toHaveLength(0);
    // A new instance (restart, or another leader) finds the queue in the store.
    const second = offers();
    second.kick();
    await second.idle();
    expect((await second.recordOf('terrya@contoso.edu'))?.state).toBe('unreachable');
    expect((await second.recordOf('terrya@contoso.edu'))?.reason).toMatch(/guide send batch/);
    graph.control.clearFaults();
    second.kick();
    await second.stop();
    expect(sent).toHaveLength(0);
  });

  it('offers nothing for a batch nobody subscribed to', async () => {
    const { store, sent, offers } = await setup();
    await new Subscriptions(store, systemClock).unsubscribe('19:admins@thread.tacv2', { all: true });
    await new Subscriptions(store, systemClock).subscribe('19:admins@thread.tacv2', { batch: 'other' }, { id: 'admin' });
    const g = offers();
    expect(await g.usersSynced('pilot', ['terrya@contoso.edu'])).toBe(0);
    await g.stop();
    expect(sent).toHaveLength(0);
    expect(await g.recordOf('terrya@contoso.edu')).toBeNull();
  });
});
