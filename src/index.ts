// The composition root: the one place that reads configuration and builds every part
// (Teams, Exchange, Graph, storage, crypto, services, handlers) once, and wires them.
// Local mode starts the built-in Exchange Online emulator and points the same
// REST adapter at it; production points it at outlook.office365.com.
// Read startCutover top to bottom: each step is a small function below it, and every
// part is a const built from parts built before it (nothing is assigned in afterwards).

import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { batchProgressState } from './commands/batch';
import { CommandRouter, type Logger } from './commands/router';
import type { AuditPort, CommandDeps, GuideDeps, NotificationDeps } from './commands/types';
import { ConfigError, isLoopbackHost, loadConfig, type Config } from './config';
import { createExchangeAdmin, MsalTokenSource, StaticTokenSource, type TokenSource } from './adapters/exchange';
import { loadOrCreateKeyFile, parseKey } from './adapters/crypto/sealedBox';
import { HttpFileFetcher, hostAllowed, type FileFetcherOptions } from './adapters/http/fileFetcher';
import { createLogger } from './adapters/log/logger';
import { FileStore } from './adapters/storage/fileStore';
import { BlobStore } from './adapters/storage/blobStore';
import { TeamsNotifier, type TeamsNotifierOptions } from './teams/notifier';
import { guideOffer, guideOfferSynced } from './commands/guide';
import { GuideOffers } from './services/guideOffers';
import { BatchAdminActions, recordingAdminActions } from './services/batchAdminActions';
import { subscribedAdminNotifier } from './services/guideNotify';
import {
  createDemoSourceDirectory,
  DEFAULT_ACCESS_TOKEN,
  DEFAULT_TENANT_ID,
  DEMO_SOURCE_HOSTS,
  startExchangeEmulator,
  type RunningExchangeEmulator,
} from './emulator/exchange';
import { scannerFromDirectory } from './adapters/imap/directoryScanner';
import { scanMailbox } from './adapters/imap/imapSource';
import { ImapSourceMailboxDirectory } from './adapters/imap/sourceMailboxDirectory';
import { SourceConnectionGate } from './services/preflight';
import { PreflightWork, type PreflightWorkItem } from './services/preflightWork';
import type { ConnectionBudget } from './ports/connectionBudget';
import type { WorkItem, WorkQueue } from './ports/workQueue';
import { PreflightRuns } from './services/preflightRuns';
import { systemClock, type Clock } from './ports/clock';
import type { ExchangeAdmin } from './ports/exchange';
import type { KeyValueStore } from './ports/store';
import { AuditLog } from './services/auditLog';
import { BatchHistory } from './services/batchHistory';
import { ApprovalCards, Approvals } from './services/approvals';
import { approvalReply } from './commands/approvals';
import { Confirmations } from './services/confirmations';
import { Downloads } from './services/downloads';
import { FileHandover } from './teams/fileHandover';
import { PendingBatches } from './services/pendingBatches';
import { getServers as systemDnsServers } from 'node:dns';
import { Dns2Resolver } from './adapters/dns/dns2Resolver';
import { DemoDnsResolver } from './adapters/dns/demoResolver';
import { ImapMailboxAccess } from './adapters/imap/mailboxCopier';
import { CutoverService, type CutoverServiceOptions, type CutoverWorkItem } from './services/cutover';
import { AzureWorkQueue, queueEndpointOf } from './adapters/queue/azureQueue';
import { InProcessWorkQueue } from './adapters/queue/inProcessQueue';
import { BlobLeaseBudget } from './adapters/storage/blobLeaseBudget';
import { CutoverScheduler } from './services/cutoverScheduler';
import { BlobLeaseLeader, SingleInstanceLeader, whileLeading, type Leader } from './services/leader';
import { Conversations } from './services/conversations';
import { Subscriptions } from './services/subscriptions';
import { NotificationLedger } from './services/notificationLedger';
import { Dispatcher } from './services/watcher/dispatch';
import { readWatcherStatus, Watcher, type WatcherOptions } from './services/watcher/watcher';
import { runAuditedDeltaPass, SCHEDULER_ACTOR, schedulerCards } from './commands/cutover';
import { demoMailboxAccess } from './emulator/mailboxes/demoMailboxes';
import { DEFAULT_IMAP_ITEM_LIMIT_BYTES } from './domain/exchange/types';
import { createBot, type ConversationRegistry } from './teams/app';
import { NO_BOT_CREDENTIALS, teamsAdapter, type BotCredentialOptions } from './teams/botCredentials';
import { LiveCards } from './teams/liveCards';
import { createServer, registerRoutes } from './teams/server';
import { GraphClient } from './adapters/graph/graphClient';
import { EXCHANGE_SCOPE, graphTokenSource, scopeFor } from './adapters/exchange/tokenSource';
import { DEFAULT_GRAPH_TOKEN, startGraphEmulator, type RunningGraphEmulator } from './emulator/graph';
import { GuideProgressStore } from './services/guideProgress';
import { UpnAdminDirectory } from './services/adminDirectory';
import type { AccessSettings } from './commands/types';
import { PimImports } from './services/pimImport';
import { WorkerPimReader } from './adapters/pim/workerPimReader';
import { errorText } from './lib/errorText';

export interface RunningCutover {
  config: Config;
  /** http://host:port of the bot (POST /api/messages). */
  botUrl: string;
  /** The emulator's base URL in local mode. */
  emulator: RunningExchangeEmulator | null;
  /** The Graph emulator in local mode (users, licences, contacts, events, $batch). */
  graphEmulator?: RunningGraphEmulator | null;
  close(): Promise<void>;
}

export async function startCutover(env: Record<string, string | undefined> = process.env): Promise<RunningCutover> {
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const { store, derive } = openState(config);
  const ex = await connectExchange(config, store, log);
  const { graph, graphEmulator } = await connectGraph(config, ex.tenantId, log);
  const { server, botUrl } = await listen(config);
  // With PORT=0 (tests) links must name the port actually taken.
  const publicBaseUrl = env.PUBLIC_BASE_URL ? config.publicBaseUrl : botUrl;

  const clock = systemClock;
  const pending = new PendingBatches({ store, key: derive('pending-csv'), clock });
  // Each user's final record of batches Exchange forgets (removed, purged): who created a batch comes from the audit.
  const history = new BatchHistory({ store, clock: ex.clock, exchange: ex.exchange, retentionDays: config.historyDays });
  const audit = historyAudit(new AuditLog(store, clock), history, log);
  const downloads = new Downloads(store, derive('downloads'), clock, publicBaseUrl);
  const work = workSetup(config, log);
  const cutover = buildCutoverService(config, ex, store, derive('cutover-csv'), {
    work: work.queue<CutoverWorkItem>('cutover-delta', 4),
    connections: work.connections,
  });
  const preflight = buildPreflightWork(config, store, derive('preflight-rows'), work);
  // Every instance takes delta pass and preflight items (whoever was asked only plans them and adds up).
  await Promise.all([cutover.startWorkers(), preflight.startWorkers()]);
  const progress = new GuideProgressStore(store, clock);
  // Attached .vcf/.ics files are read in worker threads, with a deadline, off the turns' event loop.
  const pimReader = new WorkerPimReader({ deadlineMs: config.importReadTimeoutMs, log });

  const credentials = botCredentials(config);
  const adapter = teamsAdapter(credentials, config.bot?.cloud);
  // Conversation references, subscriptions, the notifier every proactive card goes through, and the leader
  // (blob lease): the watcher, the guide offers and the cut-over scheduler run on one instance only.
  const proactive = buildProactive({
    adapter,
    botAppId: credentials.MicrosoftAppId,
    store,
    clock,
    log,
    lease: config.storage.connectionString
      ? { connectionString: config.storage.connectionString, container: config.storage.container, leaseSeconds: config.watcher.leaseSeconds }
      : null,
  });
  const guideOffers = buildGuideOffers(config, { store, clock, graph, proactive, progress, audit, log });
  const notifications = withWatcher(proactive, {
    store,
    audit,
    clock,
    exchangeClock: ex.clock,
    intervalMs: config.watcher.intervalMs,
    log,
    exchange: (onRetry) => ex.client({ maxRetries: 3, onRetry: (e) => (onRetry(e), log.warn('Watcher Exchange retry', { ...e })) }),
    onUsersSynced: config.guide.autoOffer ? (batch, emails) => guideOffers.usersSynced(batch, emails) : undefined,
    lastAdminActions: () => ex.adminActions.all(),
    history,
  });
  // Per-user files go to the asker's personal chat only: file consent cards in Teams, 15-minute links in the Playground.
  const files = new FileHandover({
    adapter,
    botAppId: credentials.MicrosoftAppId,
    downloads,
    findPersonal: (aad) => proactive.conversations.findPersonal(aad),
    how: config.fileHandover,
    uploadHostAllowed: (host) => hostAllowed(host, config.fileHosts),
    allowLoopbackHttp: config.mode === 'local',
    log,
  });
  const access = accessSettings(config, ex.tenantId, graph, log);

  // Four eyes (CUTOVER_APPROVERS): requests in the store, their cards in every conversation they reach.
  const approvalRequests = new Approvals(store, clock, config.approvalExpirySeconds * 1000);
  const approvalCards = new ApprovalCards({
    approvals: approvalRequests,
    subscriptions: proactive.subscriptions,
    conversations: proactive.conversations,
    sink: proactive.notifier,
    card: (a) => approvalReply(a, clock.now()),
    log,
  });

  const deps: CommandDeps = {
    exchange: ex.exchange,
    pending,
    audit,
    confirmations: new Confirmations(store, clock),
    preflight,
    preflightRuns: new PreflightRuns(),
    cutover,
    store,
    files: new HttpFileFetcher({
      maxBytes: config.attachmentMaxBytes,
      allowLoopbackHttp: config.mode === 'local',
      allowedHosts: config.fileHosts,
      ...testFileHosts(config.testFileHostAddresses),
    }),
    clock,
    exchangeClock: ex.clock,
    adminActions: ex.adminActions,
    history,
    approvals: {
      requests: approvalRequests,
      cards: approvalCards,
      approvers: config.approvers,
      directory: new UpnAdminDirectory({ admins: config.approvers, lookup: (upn) => graph.getUser(upn), clock: systemClock, log }),
    },
    access,
    reports: files,
    notifications: notifications.deps,
    guide: guideDeps(config, {
      graph,
      progress,
      imports: new PimImports(graph, clock, store, derive('pim-plans')),
      reader: pimReader,
      proactive,
      offers: guideOffers,
      log,
    }),
  };
  const router = new CommandRouter(deps, log);
  // Every card updated in place (live progress cards, follow-ups, notifications) goes through the notifier: paced, 429s retried.
  const live = new LiveCards(proactive.notifier, (batch, page) => batchProgressState(deps, batch, page), config.liveCard, log);
  const cutoverScheduler = buildCutoverScheduler(config, { cutover, proactive, deps, log });
  // On the watcher's leader only (one sender); the guide offers start with leftovers from before a restart.
  whileLeading(proactive.leader, { start: () => guideOffers.kick(), stop: () => guideOffers.stop() }, (e) =>
    log.error('guide offers start/stop failed', { error: String(e) }),
  );
  whileLeading(proactive.leader, cutoverScheduler, (e) => log.error('cut-over scheduler start/stop failed', { error: String(e) }));
  if (config.watcher.enabled) await notifications.start();

  const bot = createBot({
    adapter,
    router,
    live,
    log,
    cards: proactive.notifier,
    conversations: rememberingChats(proactive, guideOffers, log),
    files,
    access,
    approvals: approvalCards,
  });
  registerRoutes(server, { adapter, bot, downloads, log, health: async () => ({ mode: config.mode, liveCards: live.active }) });
  // Uploaded CSVs and report files must not outlive their time.
  const sweeper = startSweeper(
    { pending: () => pending.sweepExpired(), downloads: () => downloads.sweepExpired(), 'import plans': () => deps.guide!.imports.sweepExpired() },
    log,
  );
  announce(config, log, botUrl, ex);

  return {
    config,
    botUrl,
    emulator: ex.emulator,
    graphEmulator,
    async close() {
      clearInterval(sweeper);
      live.stop();
      await notifications.close();
      await guideOffers.stop();
      await cutoverScheduler.stop();
      await Promise.all([cutover.stopWorkers(), preflight.stopWorkers()]);
      work.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ex.emulator) await ex.emulator.close();
      if (graphEmulator) await graphEmulator.close();
      await pimReader.close();
    },
  };
}

/** Azure Blob Storage when configured (several instances share it), else files in dataDir; keys per purpose from the one key. */
function openState(config: Config): { store: KeyValueStore; derive: (purpose: string) => Buffer } {
  const store = config.storage.connectionString
    ? new BlobStore(config.storage.connectionString, config.storage.container)
    : new FileStore(path.join(config.dataDir, 'state'));
  const key = config.encryptionKey ? parseKey(config.encryptionKey) : loadOrCreateKeyFile(path.join(config.dataDir, 'cutover.key'));
  return { store, derive: (purpose) => createHmac('sha256', key).update(`cutover/${purpose}`).digest() };
}

interface ExchangeConnection {
  /** The embedded emulator (local mode without EXCHANGE_BASE_URL), else null. */
  emulator: RunningExchangeEmulator | null;
  baseUrl: string;
  tenantId: string;
  tokenSource: TokenSource;
  /** Exchange's time (the emulator's clock in local mode), for the 60-day and overdue rules. */
  clock: Clock;
  /** Every admin action on a batch, by any path, restarts Exchange's 60-day clock: our own record of them. */
  adminActions: BatchAdminActions;
  /** The commands' Exchange client (admin actions recorded). */
  exchange: ExchangeAdmin;
  /** Another client on the same tenant (the watcher's own, with its own retry reporting). */
  client(options: { maxRetries?: number; onRetry: (e: { status: number | null; delayMs: number }) => void }): ExchangeAdmin;
}

/** Exchange Online: the embedded emulator, a shared one (npm run emulator), or Microsoft's with an MSAL app-only token. */
async function connectExchange(config: Config, store: KeyValueStore, log: Logger): Promise<ExchangeConnection> {
  const where = await exchangeEndpoint(config);
  const clock: Clock = where.emulator ? { now: () => where.emulator!.control.now() } : systemClock;
  const client: ExchangeConnection['client'] = (options) =>
    createExchangeAdmin({ baseUrl: where.baseUrl, tenantId: where.tenantId, tokenSource: where.tokenSource, ...options });
  const adminActions = new BatchAdminActions(store, clock);
  const exchange = recordingAdminActions(client({ onRetry: (e) => log.warn('Exchange retry', { ...e }) }), adminActions, (err) =>
    log.warn('admin action not recorded', { error: errorText(err) }),
  );
  return { ...where, clock, adminActions, exchange, client };
}

async function exchangeEndpoint(config: Config): Promise<Pick<ExchangeConnection, 'emulator' | 'baseUrl' | 'tenantId' | 'tokenSource'>> {
  const shared = config.emulator.shared;
  if (config.mode === 'local' && shared.exchangeBaseUrl) {
    // One emulator, many bots (npm run emulator): its well-known token, no Entra.
    return {
      emulator: null,
      baseUrl: shared.exchangeBaseUrl,
      tenantId: shared.tenantId ?? DEFAULT_TENANT_ID,
      tokenSource: new StaticTokenSource(shared.exchangeToken ?? DEFAULT_ACCESS_TOKEN),
    };
  }
  if (config.mode === 'local') {
    // Endpoints pointing at a real IMAP server are migrated from its real mailboxes.
    const emulator = await startExchangeEmulator({
      port: config.emulator.port,
      timeScale: config.emulator.timeScale,
      sourceDirectories: [new ImapSourceMailboxDirectory({ isDemoHost: (h) => DEMO_SOURCE_HOSTS.includes(h) })],
    });
    return { emulator, baseUrl: emulator.baseUrl, tenantId: emulator.tenantId, tokenSource: new StaticTokenSource(emulator.accessToken) };
  }
  const entra = config.entra!;
  const tokenSource = new MsalTokenSource({
    tenantId: entra.tenantId,
    clientId: entra.clientId,
    authorityHost: config.authorityHost,
    scope: scopeFor(config.exchangeBaseUrl, EXCHANGE_SCOPE),
    credential: entraCredential(config),
  });
  return { emulator: null, baseUrl: config.exchangeBaseUrl, tenantId: entra.tenantId, tokenSource };
}

/** The Entra app's client secret, or its certificate read from disk. */
function entraCredential(config: Config) {
  const entra = config.entra!;
  return entra.clientSecret
    ? { clientSecret: entra.clientSecret }
    : { certificate: { thumbprintSha256: entra.certificate!.thumbprintSha256, privateKey: fs.readFileSync(entra.certificate!.privateKeyPath, 'utf8') } };
}

/** Graph (guide, imports, licences): the emulator in local mode (embedded, or shared via GRAPH_BASE_URL), Microsoft's with the same Entra app otherwise. */
async function connectGraph(config: Config, tenantId: string, log: Logger): Promise<{ graph: GraphClient; graphEmulator: RunningGraphEmulator | null }> {
  const shared = config.emulator.shared;
  const graphEmulator = config.mode === 'local' && !shared.graphBaseUrl ? await startGraphEmulator() : null;
  const graph = new GraphClient({
    baseUrl: graphEmulator ? graphEmulator.baseUrl : config.mode === 'local' ? shared.graphBaseUrl! : config.graphBaseUrl,
    tokenSource: graphEmulator
      ? new StaticTokenSource(graphEmulator.accessToken)
      : config.mode === 'local'
        ? new StaticTokenSource(shared.graphToken ?? DEFAULT_GRAPH_TOKEN)
        : graphTokenSource({
            baseUrl: config.graphBaseUrl,
            tenantId,
            clientId: config.entra!.clientId,
            authorityHost: config.authorityHost,
            credential: entraCredential(config),
          }),
    onRetry: (e) => log.warn('Graph retry', { ...e }),
  });
  return { graph, graphEmulator };
}

async function listen(config: Config): Promise<{ server: ReturnType<typeof createServer>; botUrl: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, botUrl: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${address.port}` };
}

/** Cut-over: resolvers from DNS_SERVERS (local mode without them answers the demo domain itself), mailboxes over IMAP. */
interface WorkSetup {
  connections: ConnectionBudget;
  /** Gives back what the budget keeps between connections (at shutdown). */
  close(): void;
  /** A queue of per-mailbox items, `width` of them at once on this instance. */
  queue<T extends WorkItem>(name: string, width: number): WorkQueue<T>;
}

/**
 * Where per-mailbox work runs and what every connection to a server counts against: with a storage
 * account, its queues (every instance consumes) and one blob-lease budget per server for all
 * instances; without one, in this process with one gate. Preflights and delta passes share the budget.
 */
function workSetup(config: Config, log: Logger): WorkSetup {
  const cs = config.storage.connectionString;
  if (!cs) return { connections: new SourceConnectionGate(), close: () => undefined, queue: (_, width) => new InProcessWorkQueue({ width }) };
  const onError = (message: string) => log.warn(message);
  const connections = new BlobLeaseBudget({ connectionString: cs, container: config.storage.container, onError });
  // A string naming the blob endpoint alone (or, in local mode, a queue off this machine): the planner runs its own items.
  const queueUrl = queueEndpointOf(cs);
  const inProcess = !queueUrl || (config.mode === 'local' && !isLoopbackHost(new URL(queueUrl).hostname));
  return {
    connections,
    close: () => connections.close(),
    queue: (name, width) => (inProcess ? new InProcessWorkQueue({ width }) : new AzureWorkQueue({ connectionString: cs, queueName: name, width, onError })),
  };
}

function buildCutoverService(
  config: Config,
  ex: ExchangeConnection,
  store: KeyValueStore,
  key: Buffer,
  work: Pick<CutoverServiceOptions, 'work' | 'connections'>,
): CutoverService {
  const limitFor = async (email: string) => (await ex.exchange.getMailbox(email))?.maxReceiveSize ?? DEFAULT_IMAP_ITEM_LIMIT_BYTES;
  const cutover: CutoverService = new CutoverService({
    store,
    clock: systemClock,
    exchange: ex.exchange,
    key,
    deltaIntervalMs: config.cutover.deltaIntervalMs,
    ...work,
    // App-only writes into Exchange: the Entra app's service principal, registered and granted per batch.
    servicePrincipal:
      config.entra && config.cutover.servicePrincipalObjectId
        ? { appId: config.entra.clientId, objectId: config.cutover.servicePrincipalObjectId, displayName: 'Cutover' }
        : null,
    resolvers:
      config.cutover.dnsServers.length > 0
        ? config.cutover.dnsServers.map((s) => new Dns2Resolver(s))
        : config.mode === 'local'
          ? [new DemoDnsResolver('contoso.edu', (d) => cutover.domainSwitched(d))]
          : systemDnsServers().map((h) => new Dns2Resolver({ host: h.replace(/:\d+$/, ''), port: 53 })),
    mailboxes: (ep) => {
      if (config.mode === 'local' && DEMO_SOURCE_HOSTS.includes(ep.remoteServer.toLowerCase())) return demoMailboxAccess(limitFor);
      const t =
        config.cutover.target ??
        (config.mode === 'production'
          ? {
              host: 'outlook.office365.com',
              port: 993,
              security: 'Ssl' as const,
              auth: 'xoauth2' as const,
              userTemplate: '{email}',
              acceptUntrustedCertificates: false,
            }
          : null);
      if (!t) return null;
      return new ImapMailboxAccess({
        source: { host: ep.remoteServer, port: ep.port, security: ep.security, acceptUntrustedCertificates: config.mode === 'local' },
        target: { host: t.host, port: t.port, security: t.security, acceptUntrustedCertificates: t.acceptUntrustedCertificates },
        targetAuth:
          t.auth === 'password'
            ? { kind: 'password', userTemplate: t.userTemplate, password: t.password ?? '' }
            : { kind: 'xoauth2', tokens: ex.tokenSource, hosts: config.cutover.tokenHosts },
        limitFor,
      });
    },
  });
  return cutover;
}

/** The guide offered by itself when a subscribed batch's user finishes the first sync (on the leader only). */
function buildGuideOffers(
  config: Config,
  o: { store: KeyValueStore; clock: Clock; graph: GraphClient; proactive: Proactive; progress: GuideProgressStore; audit: AuditPort; log: Logger },
): GuideOffers {
  const { proactive, progress } = o;
  return new GuideOffers({
    store: o.store,
    clock: o.clock,
    subscriptions: proactive.subscriptions,
    directory: o.graph,
    conversations: proactive.conversations,
    sink: proactive.notifier,
    offer: () => guideOfferSynced(),
    register: async (user) => void (await progress.update({ key: user.id, name: user.displayName, email: user.mail ?? user.userPrincipalName }, (cur) => cur)),
    hasGuide: async (user) => (await progress.get(user.id)) !== undefined,
    audit: o.audit,
    teamsAppId: config.guide.teamsAppId,
    canInstallApps: config.guide.installApps,
    isLeader: () => proactive.leader.isLeader(),
    retryDelayMs: config.mode === 'local' ? 5_000 : 60_000,
    log: o.log,
  });
}

/** The end-user guide: Graph, each person's progress, imports; it reaches people and admins through the same proactive path as notifications. */
function guideDeps(
  config: Config,
  o: Pick<GuideDeps, 'graph' | 'progress' | 'imports' | 'reader'> & { proactive: Proactive; offers: GuideOffers; log: Logger },
): GuideDeps {
  const { proactive } = o;
  return {
    graph: o.graph,
    progress: o.progress,
    imports: o.imports,
    reader: o.reader,
    teamsAppId: config.guide.teamsAppId,
    canInstallApps: config.guide.installApps,
    notifier: subscribedAdminNotifier({ subscriptions: proactive.subscriptions, conversations: proactive.conversations, sink: proactive.notifier, log: o.log }),
    delivery: {
      async sendGuide(user) {
        const chat = await proactive.conversations.findPersonal(user.id);
        if (!chat) return false;
        await proactive.notifier.send(chat.reference, guideOffer());
        return true;
      },
    },
    offers: o.offers,
  };
}

/** Scheduled delta passes and the DNS watch after the switch: on the watcher's leader only. */
function buildCutoverScheduler(config: Config, o: { cutover: CutoverService; proactive: Proactive; deps: CommandDeps; log: Logger }): CutoverScheduler {
  return new CutoverScheduler({
    cutover: o.cutover,
    conversations: o.proactive.conversations,
    sink: o.proactive.notifier,
    isLeader: () => o.proactive.leader.isLeader(),
    clock: systemClock,
    deltaIntervalMs: config.cutover.deltaIntervalMs,
    dnsIntervalMs: config.cutover.dnsWatchIntervalMs,
    runPass: (batch, options) => runAuditedDeltaPass(o.deps, SCHEDULER_ACTOR, batch, options),
    cards: schedulerCards(o.deps),
    log: o.log,
  });
}

/** Preflights split per source login over the work queue; local mode's demo server is read from the emulator's mailboxes. */
function buildPreflightWork(config: Config, store: KeyValueStore, key: Buffer, work: WorkSetup): PreflightWork {
  const demoScanner = scannerFromDirectory(createDemoSourceDirectory());
  return new PreflightWork({
    store,
    key,
    // Scans wait on the network, not the CPU: as many at once as the old single-process run took (the budget caps each server).
    work: work.queue<PreflightWorkItem>('cutover-preflight', 20),
    connections: work.connections,
    scannerFor: (server) => (config.mode === 'local' && DEMO_SOURCE_HOSTS.includes(server.remoteServer.toLowerCase()) ? demoScanner : scanMailbox),
  });
}

/**
 * Who is served (the configured tenants; local mode adds the emulator's demo tenant) and who is an admin
 * (CUTOVER_ADMINS; UPNs resolved to object ids through Graph, or read from Teams' member lookup).
 */
function accessSettings(config: Config, tenantId: string, graph: GraphClient, log: Logger): AccessSettings {
  return {
    mode: config.mode,
    admins: config.admins,
    tenants: config.mode === 'local' ? [...new Set([...config.tenants, tenantId.toLowerCase()])] : config.tenants,
    directory: new UpnAdminDirectory({ admins: config.admins, lookup: (upn) => graph.getUser(upn), clock: systemClock, log }),
  };
}

/** The Azure Bot's credentials; none in local mode (requests unauthenticated, on loopback only). */
function botCredentials(config: Config): BotCredentialOptions {
  return config.bot
    ? {
        MicrosoftAppId: config.bot.appId,
        MicrosoftAppPassword: config.bot.appPassword,
        MicrosoftAppType: config.bot.appType,
        MicrosoftAppTenantId: config.bot.appTenantId,
      }
    : NO_BOT_CREDENTIALS;
}

// ---------------------------------------------------------------------------
// Notifications: built here for startCutover, and for the tests and benchmarks that run the watcher alone.

export interface ProactiveOptions {
  adapter: ConstructorParameters<typeof TeamsNotifier>[0];
  botAppId: string;
  store: KeyValueStore;
  /** Real time, for records. */
  clock: Clock;
  log: Logger;
  /** Blob lease (several instances) or null for the single-instance file store. */
  lease: { connectionString: string; container: string; leaseSeconds: number } | null;
  instanceId?: string;
  notifier?: TeamsNotifierOptions;
}

/** Where proactive messages go and who may send them: conversation references, subscriptions, the ledger, the notifier, the leader. */
export interface Proactive {
  conversations: Conversations;
  subscriptions: Subscriptions;
  ledger: NotificationLedger;
  notifier: TeamsNotifier;
  leader: Leader;
  lease: ProactiveOptions['lease'];
}

export function buildProactive(o: ProactiveOptions): Proactive {
  return {
    conversations: new Conversations(o.store, o.clock),
    subscriptions: new Subscriptions(o.store, o.clock),
    ledger: new NotificationLedger(o.store, o.clock),
    notifier: new TeamsNotifier(o.adapter, o.botAppId, o.log, o.notifier),
    leader: o.lease
      ? new BlobLeaseLeader({ ...o.lease, instanceId: o.instanceId, onError: (m) => o.log.warn('watcher leader', { error: m }) })
      : new SingleInstanceLeader(),
    lease: o.lease,
  };
}

export interface WatcherSetup {
  store: KeyValueStore;
  audit: AuditPort;
  clock: Clock;
  /** Exchange's time (the emulator's clock in local mode), for the 60-day and overdue rules. */
  exchangeClock: Clock;
  /** The watcher's own Exchange client, reporting its retries (429 waits) to the watcher. */
  exchange: (onRetry: (e: { status: number | null; delayMs: number }) => void) => ExchangeAdmin;
  intervalMs: number;
  log: Logger;
  concurrency?: number;
  /** Users whose first sync landed (the guide offer); see WatcherOptions. */
  onUsersSynced?: (batch: string, emails: string[]) => Promise<unknown>;
  /** Cutover's record of admin actions per batch (the 60-day rule); see WatcherOptions. */
  lastAdminActions?: () => Promise<Record<string, string>>;
  /** Keeps the users' final records of batches that stop, fail or vanish; see WatcherOptions. */
  history?: WatcherOptions['history'];
}

export interface Notifications extends Proactive {
  watcher: Watcher;
  /** What the subscribe, unsubscribe and status commands read. */
  deps: NotificationDeps;
  /** Starts campaigning for the lease; the watcher runs while this instance leads. */
  start(): Promise<void>;
  /** release: give the lease up (clean shutdown); without it the lease lapses as if the instance died. */
  close(options?: { release?: boolean }): Promise<void>;
}

/** The watcher under the leader: polls Exchange and dispatches what changed to the subscribed conversations. */
export function withWatcher(p: Proactive, o: WatcherSetup): Notifications {
  const dispatcher = new Dispatcher({
    subscriptions: p.subscriptions,
    conversations: p.conversations,
    ledger: p.ledger,
    sink: p.notifier,
    audit: o.audit,
    clock: o.clock,
    log: o.log,
    isLeader: () => p.leader.isLeader(),
    concurrency: o.concurrency,
  });
  const watcher: Watcher = new Watcher({
    // Its retries (429 waits) are the watcher's to report; the client calls back only once the watcher polls.
    exchange: o.exchange((e) => watcher.noteExchangeRetry(e)),
    store: o.store,
    clock: o.exchangeClock,
    dispatcher,
    intervalMs: o.intervalMs,
    log: o.log,
    instanceId: p.leader.instanceId,
    hasSubscribers: async () => (await p.subscriptions.all()).length > 0,
    onUsersSynced: o.onUsersSynced,
    lastAdminActions: o.lastAdminActions,
    history: o.history,
  });
  whileLeading(p.leader, { start: () => watcher.start(), stop: () => watcher.stop() }, (e) => o.log.error('watcher start/stop failed', { error: String(e) }));
  return {
    ...p,
    watcher,
    deps: {
      subscriptions: p.subscriptions,
      watcherStatus: () => readWatcherStatus(o.store),
      leadership: () => ({ leading: p.leader.isLeader(), instanceId: p.leader.instanceId, kind: p.lease ? 'blob-lease' : 'single-instance' }),
    },
    start: () => p.leader.start(),
    async close(options = {}) {
      await p.leader.stop({ release: options.release ?? true });
      await watcher.stop();
    },
  };
}

/** Conversation references, subscriptions, the leader and the watcher in one: the watcher alone, for tests and benchmarks. */
export function buildNotifications(o: ProactiveOptions & WatcherSetup): Notifications {
  return withWatcher(buildProactive(o), o);
}

/** Every conversation Teams tells us about is remembered; a personal chat may be someone whose guide was waiting for the app. */
function rememberingChats(p: Proactive, guideOffers: GuideOffers, log: Logger): ConversationRegistry {
  return {
    async remember(reference, event) {
      await p.conversations.remember(reference as never, event);
      const aad = (reference.user as { aadObjectId?: string } | undefined)?.aadObjectId;
      if (reference.conversation?.conversationType === 'personal' && aad) {
        await guideOffers.personalChatOpened(aad).catch((err) => log.warn('waiting guide not delivered', { error: errorText(err) }));
      }
    },
  };
}

function startSweeper(sweeps: Record<string, () => Promise<unknown>>, log: Logger): NodeJS.Timeout {
  const sweeper = setInterval(() => {
    for (const [what, sweep] of Object.entries(sweeps)) void sweep().catch((err) => log.warn(`${what} sweep failed`, { error: String(err) }));
  }, 60_000);
  sweeper.unref();
  return sweeper;
}

function announce(config: Config, log: Logger, botUrl: string, ex: ExchangeConnection): void {
  log.info('Cutover is listening', { url: `${botUrl}/api/messages`, mode: config.mode, exchange: ex.baseUrl });
  if (config.mode !== 'local') return;
  const which = ex.emulator ? 'the built-in Exchange Online emulator' : `the Exchange Online emulator at ${ex.baseUrl}`;
  log.info(
    config.admins.length === 0
      ? `Local mode: no Microsoft credentials, using ${which}; no admins configured, so everyone may run admin commands.`
      : `Local mode: no Microsoft credentials, using ${which}.`,
  );
}

/** The audit, also telling the history who created each batch (its batch.create entries). */
function historyAudit(audit: AuditLog, history: BatchHistory, log: Logger): AuditLog {
  const record = audit.record.bind(audit);
  audit.record = async (entry) => {
    const recorded = await record(entry);
    if (entry.action === 'batch.create' && entry.result === 'ok' && entry.target) {
      await history
        .noteCreated(entry.target, (entry.actor as { upn?: string }).upn ?? entry.actor.name ?? entry.actor.id)
        .catch((err) => log.warn('batch creator not kept for the history', { error: errorText(err) }));
    }
    return recorded;
  };
  return audit;
}

/** Test only (CUTOVER_TEST_FILE_HOST_ADDRESSES): the attachment downloader resolves these names to these loopback addresses, and only those. */
function testFileHosts(map: Record<string, string> | undefined): Pick<FileFetcherOptions, 'resolve' | 'addressAllowed'> {
  if (!map) return {};
  const addresses = new Set(Object.values(map));
  return {
    resolve: async (host) => (map[host.toLowerCase()] ? [{ address: map[host.toLowerCase()], family: map[host.toLowerCase()].includes(':') ? 6 : 4 }] : []),
    addressAllowed: (a) => addresses.has(a),
  };
}

if (require.main === module) {
  startCutover().catch((err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`Cutover cannot start: ${err.message}\n`);
    } else {
      process.stderr.write(`Cutover cannot start: ${errorText(err)}\n`);
    }
    process.exit(1);
  });
}
