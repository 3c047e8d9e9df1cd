// The composition root: the one place that reads configuration and wires the
// adapters (Teams, Exchange, storage, crypto) to the command handlers.
// Local mode starts the built-in Exchange Online emulator and points the same
// REST adapter at it; production points it at outlook.office365.com.

import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { TeamsAdapter } from '@microsoft/teams-ai';
import { batchProgressState } from './commands/batch';
import { CommandRouter } from './commands/router';
import type { CommandDeps } from './commands/types';
import { ConfigError, loadConfig, type Config } from './config';
import { createExchangeAdmin, MsalTokenSource, StaticTokenSource, type TokenSource } from './adapters/exchange';
import { loadOrCreateKeyFile, parseKey } from './adapters/crypto/sealedBox';
import { HttpFileFetcher, hostAllowed, type FileFetcherOptions } from './adapters/http/fileFetcher';
import { createLogger } from './adapters/log/logger';
import { FileStore } from './adapters/storage/fileStore';
import { BlobStore } from './adapters/storage/blobStore';
import { createNotificationStack } from './teams/notifier';
import { guideOffer, guideOfferSynced } from './commands/guide';
import { GuideOffers } from './services/guideOffers';
import { BatchAdminActions, recordingAdminActions } from './services/batchAdminActions';
import { subscribedAdminNotifier } from './services/guideNotify';
import { createDemoSourceDirectory, DEFAULT_ACCESS_TOKEN, DEFAULT_TENANT_ID, DEMO_SOURCE_HOSTS, startExchangeEmulator, type RunningExchangeEmulator } from './emulator/exchange';
import { scannerFromDirectory } from './adapters/imap/directoryScanner';
import { scanMailbox } from './adapters/imap/imapSource';
import { ImapSourceMailboxDirectory } from './adapters/imap/sourceMailboxDirectory';
import { runPreflight, SourceConnectionGate } from './services/preflight';
import { PreflightRuns } from './services/preflightRuns';
import { systemClock } from './ports/clock';
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
import { CutoverService } from './services/cutover';
import { CutoverScheduler } from './services/cutoverScheduler';
import { whileLeading } from './services/leader';
import { runAuditedDeltaPass, SCHEDULER_ACTOR, schedulerCards } from './commands/cutover';
import { demoMailboxAccess } from './emulator/mailboxes/demoMailboxes';
import { DEFAULT_IMAP_ITEM_LIMIT_BYTES } from './domain/exchange/types';
import { createBot } from './teams/app';
import { BotCredentialFactory } from './teams/botCredentials';
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

  // Azure Blob Storage when configured (several instances share it), else files in dataDir.
  const store = config.storage.connectionString ? new BlobStore(config.storage.connectionString, config.storage.container) : new FileStore(path.join(config.dataDir, 'state'));
  const key = config.encryptionKey ? parseKey(config.encryptionKey) : loadOrCreateKeyFile(path.join(config.dataDir, 'cutover.key'));
  // Separate keys per purpose, derived from the one configured key.
  const derive = (purpose: string) => createHmac('sha256', key).update(`cutover/${purpose}`).digest();

  let emulator: RunningExchangeEmulator | null = null;
  let tokenSource: TokenSource;
  let exchangeBaseUrl = config.exchangeBaseUrl;
  let tenantId: string;
  const shared = config.emulator.shared;
  if (config.mode === 'local' && shared.exchangeBaseUrl) {
    // One emulator, many bots (npm run emulator): its well-known token, no Entra.
    tokenSource = new StaticTokenSource(shared.exchangeToken ?? DEFAULT_ACCESS_TOKEN);
    exchangeBaseUrl = shared.exchangeBaseUrl;
    tenantId = shared.tenantId ?? DEFAULT_TENANT_ID;
  } else if (config.mode === 'local') {
    // Endpoints pointing at a real IMAP server are migrated from its real mailboxes.
    emulator = await startExchangeEmulator({
      port: config.emulator.port,
      timeScale: config.emulator.timeScale,
      sourceDirectories: [new ImapSourceMailboxDirectory({ isDemoHost: (h) => DEMO_SOURCE_HOSTS.includes(h) })],
    });
    tokenSource = new StaticTokenSource(emulator.accessToken);
    exchangeBaseUrl = emulator.baseUrl;
    tenantId = emulator.tenantId;
  } else {
    const entra = config.entra!;
    tenantId = entra.tenantId;
    tokenSource = new MsalTokenSource({
      tenantId,
      clientId: entra.clientId,
      authorityHost: config.authorityHost,
      scope: scopeFor(exchangeBaseUrl, EXCHANGE_SCOPE),
      credential: entra.clientSecret
        ? { clientSecret: entra.clientSecret }
        : { certificate: { thumbprintSha256: entra.certificate!.thumbprintSha256, privateKey: fs.readFileSync(entra.certificate!.privateKeyPath, 'utf8') } },
    });
  }
  const exchangeClock = emulator ? { now: () => emulator!.control.now() } : systemClock;
  // Every admin action on a batch, by any path, restarts Exchange's 60-day clock: keep our own record.
  const adminActions = new BatchAdminActions(store, exchangeClock);
  const exchange = recordingAdminActions(
    createExchangeAdmin({
      baseUrl: exchangeBaseUrl,
      tenantId,
      tokenSource,
      onRetry: (e) => log.warn('Exchange retry', { ...e }),
    }),
    adminActions,
    (err) => log.warn('admin action not recorded', { error: errorText(err) }),
  );
  // Graph (guide, imports, licences): the emulator in local mode (embedded, or shared via GRAPH_BASE_URL), Microsoft's with the same Entra app otherwise.
  const graphEmulator = config.mode === 'local' && !shared.graphBaseUrl ? await startGraphEmulator() : null;
  const graph = new GraphClient({
    baseUrl: graphEmulator ? graphEmulator.baseUrl : config.mode === 'local' ? shared.graphBaseUrl! : config.graphBaseUrl,
    tokenSource: graphEmulator
      ? new StaticTokenSource(graphEmulator.accessToken)
      : config.mode === 'local'
        ? new StaticTokenSource(shared.graphToken ?? DEFAULT_GRAPH_TOKEN)
        : graphTokenSource({ baseUrl: config.graphBaseUrl, tenantId, clientId: config.entra!.clientId, authorityHost: config.authorityHost, credential: config.entra!.clientSecret ? { clientSecret: config.entra!.clientSecret } : { certificate: { thumbprintSha256: config.entra!.certificate!.thumbprintSha256, privateKey: fs.readFileSync(config.entra!.certificate!.privateKeyPath, 'utf8') } } }),
    onRetry: (e) => log.warn('Graph retry', { ...e }),
  });

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const botUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${address.port}`;
  // With PORT=0 (tests) links must name the port actually taken.
  const publicBaseUrl = env.PUBLIC_BASE_URL ? config.publicBaseUrl : botUrl;

  const clock = systemClock;
  const pending = new PendingBatches({ store, key: derive('pending-csv'), clock });
  // Each user's final record of batches Exchange forgets (removed, purged): who created a batch comes from the audit.
  const history = new BatchHistory({ store, clock: exchangeClock, exchange, retentionDays: config.historyDays });
  const audit = historyAudit(new AuditLog(store, clock), history, log);
  const downloads = new Downloads(store, derive('downloads'), clock, publicBaseUrl);
  // Cut-over: resolvers from DNS_SERVERS; local mode without them answers the demo domain itself.
  const limitFor = async (email: string) => (await exchange.getMailbox(email))?.maxReceiveSize ?? DEFAULT_IMAP_ITEM_LIMIT_BYTES;
  const cutover: CutoverService = new CutoverService({
    store,
    clock,
    exchange,
    key: derive('cutover-csv'),
    deltaIntervalMs: config.cutover.deltaIntervalMs,
    // App-only writes into Exchange: the Entra app's service principal, registered and granted per batch.
    servicePrincipal: config.entra && config.cutover.servicePrincipalObjectId ? { appId: config.entra.clientId, objectId: config.cutover.servicePrincipalObjectId, displayName: 'Cutover' } : null,
    resolvers:
      config.cutover.dnsServers.length > 0
        ? config.cutover.dnsServers.map((s) => new Dns2Resolver(s))
        : config.mode === 'local'
          ? [new DemoDnsResolver('contoso.edu', (d) => cutover.domainSwitched(d))]
          : systemDnsServers().map((h) => new Dns2Resolver({ host: h.replace(/:\d+$/, ''), port: 53 })),
    mailboxes: (ep) => {
      if (config.mode === 'local' && DEMO_SOURCE_HOSTS.includes(ep.remoteServer.toLowerCase())) return demoMailboxAccess(limitFor);
      const t = config.cutover.target ?? (config.mode === 'production' ? { host: 'outlook.office365.com', port: 993, security: 'Ssl' as const, auth: 'xoauth2' as const, userTemplate: '{email}', acceptUntrustedCertificates: false } : null);
      if (!t) return null;
      return new ImapMailboxAccess({
        source: { host: ep.remoteServer, port: ep.port, security: ep.security, acceptUntrustedCertificates: config.mode === 'local' },
        target: { host: t.host, port: t.port, security: t.security, acceptUntrustedCertificates: t.acceptUntrustedCertificates },
        targetAuth: t.auth === 'password' ? { kind: 'password', userTemplate: t.userTemplate, password: t.password ?? '' } : { kind: 'xoauth2', tokens: tokenSource, hosts: config.cutover.tokenHosts },
        limitFor,
      });
    },
  });
  const preflightConnections = new SourceConnectionGate();
  // Attached .vcf/.ics files are read in worker threads, with a deadline, off the turns' event loop.
  const pimReader = new WorkerPimReader({ deadlineMs: config.importReadTimeoutMs, log });
  // Who is served (the configured tenants; local mode adds the emulator's demo tenant) and who is an admin
  // (CUTOVER_ADMINS; UPNs resolved to object ids through Graph, or read from Teams' member lookup).
  const access: AccessSettings = {
    mode: config.mode,
    admins: config.admins,
    tenants: config.mode === 'local' ? [...new Set([...config.tenants, tenantId.toLowerCase()])] : config.tenants,
    directory: new UpnAdminDirectory({ admins: config.admins, lookup: (upn) => graph.getUser(upn), clock: systemClock, log }),
  };
  const deps: CommandDeps = {
    exchange,
    pending,
    audit,
    confirmations: new Confirmations(store, clock),
    // One connection budget per source server for every preflight at once (the endpoint's cap holds across runs).
    preflight: {
      run: (input) => {
        const demo = config.mode === 'local' && DEMO_SOURCE_HOSTS.includes(input.server.remoteServer.toLowerCase());
        return runPreflight({ ...input, connections: preflightConnections, scanner: demo ? scannerFromDirectory(createDemoSourceDirectory()) : scanMailbox });
      },
    },
    preflightRuns: new PreflightRuns(),
    cutover,
    store,
    files: new HttpFileFetcher({ maxBytes: config.attachmentMaxBytes, allowLoopbackHttp: config.mode === 'local', allowedHosts: config.fileHosts, ...testFileHosts(config.testFileHostAddresses) }),
    clock,
    exchangeClock,
    adminActions,
    history,
    access,
    guide: {
      graph,
      progress: new GuideProgressStore(store, clock),
      imports: new PimImports(graph, clock, store, derive('pim-plans')),
      reader: pimReader,
      teamsAppId: config.guide.teamsAppId,
      canInstallApps: config.guide.installApps,
    },
  };
  const router = new CommandRouter(deps, log);

  const credentials = config.bot
    ? { MicrosoftAppId: config.bot.appId, MicrosoftAppPassword: config.bot.appPassword, MicrosoftAppType: config.bot.appType, MicrosoftAppTenantId: config.bot.appTenantId }
    : { MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' };
  // Incoming requests are checked against the same app id (JWT from Bot Framework); empty id = local, unauthenticated.
  // Sovereign clouds: botbuilder's own settings (ToBotFromChannelOpenIdMetadataUrl, …), read by ConfigurationBotFrameworkAuthentication.
  const adapter = new TeamsAdapter({ ...credentials, ...config.bot?.cloud }, new BotCredentialFactory(credentials));
  // The watcher runs on one instance (blob lease); every instance serves the commands.
  // eslint-disable-next-line prefer-const
  let guideOffers: GuideOffers | null = null;
  const notifications = createNotificationStack({
    onUsersSynced: config.guide.autoOffer ? (batch, emails) => guideOffers?.usersSynced(batch, emails) ?? Promise.resolve(0) : undefined,
    adapter, botAppId: credentials.MicrosoftAppId, store, audit, clock, log, intervalMs: config.watcher.intervalMs,
    exchangeClock,
    lastAdminActions: () => adminActions.all(),
    history,
    exchange: (onRetry) => createExchangeAdmin({ baseUrl: exchangeBaseUrl, tenantId, tokenSource, maxRetries: 3, onRetry: (e) => { onRetry(e); log.warn('Watcher Exchange retry', { ...e }); } }),
    lease: config.storage.connectionString ? { connectionString: config.storage.connectionString, container: config.storage.container, leaseSeconds: config.watcher.leaseSeconds } : null,
  });
  deps.notifications = notifications.deps;
  // Four eyes (CUTOVER_APPROVERS): requests in the store, their cards in every conversation they reach.
  const approvalRequests = new Approvals(store, clock, config.approvalExpirySeconds * 1000);
  const approvalCards = new ApprovalCards({ approvals: approvalRequests, subscriptions: notifications.subscriptions, conversations: notifications.conversations, sink: notifications.notifier, card: (a) => approvalReply(a, clock.now()), log });
  deps.approvals = {
    requests: approvalRequests,
    cards: approvalCards,
    approvers: config.approvers,
    directory: new UpnAdminDirectory({ admins: config.approvers, lookup: (upn) => graph.getUser(upn), clock: systemClock, log }),
  };
  // Every card updated in place (live progress cards, follow-ups, notifications) goes through the notifier: paced, 429s retried.
  const live = new LiveCards(notifications.notifier, (batch, page) => batchProgressState(deps, batch, page), config.liveCard, log);
  // The guide reaches people and admins through the same proactive path as notifications.
  deps.guide!.notifier = subscribedAdminNotifier({ subscriptions: notifications.subscriptions, conversations: notifications.conversations, sink: notifications.notifier, log });
  deps.guide!.delivery = {
    async sendGuide(user) {
      const chat = await notifications.conversations.findPersonal(user.id);
      if (!chat) return false;
      await notifications.notifier.send(chat.reference, guideOffer());
      return true;
    },
  };
  // The guide offered by itself when a subscribed batch's user finishes the first sync.
  guideOffers = new GuideOffers({
    store,
    clock,
    subscriptions: notifications.subscriptions,
    directory: graph,
    conversations: notifications.conversations,
    sink: notifications.notifier,
    offer: () => guideOfferSynced(),
    register: async (user) => void (await deps.guide!.progress.update({ key: user.id, name: user.displayName, email: user.mail ?? user.userPrincipalName }, (cur) => cur)),
    hasGuide: async (user) => (await deps.guide!.progress.get(user.id)) !== undefined,
    audit,
    teamsAppId: config.guide.teamsAppId,
    canInstallApps: config.guide.installApps,
    isLeader: () => notifications.leader.isLeader(),
    retryDelayMs: config.mode === 'local' ? 5_000 : 60_000,
    log,
  });
  deps.guide!.offers = guideOffers;
  // On the watcher's leader only (one sender), starting with leftovers from before a restart.
  const offers = guideOffers;
  whileLeading(notifications.leader, { start: () => offers.kick(), stop: () => offers.stop() }, (e) => log.error('guide offers start/stop failed', { error: String(e) }));
  // Scheduled delta passes and the DNS watch after the switch: on the watcher's leader only.
  const cutoverScheduler = new CutoverScheduler({
    cutover,
    conversations: notifications.conversations,
    sink: notifications.notifier,
    isLeader: () => notifications.leader.isLeader(),
    clock,
    deltaIntervalMs: config.cutover.deltaIntervalMs,
    dnsIntervalMs: config.cutover.dnsWatchIntervalMs,
    runPass: (batch, options) => runAuditedDeltaPass(deps, SCHEDULER_ACTOR, batch, options),
    cards: schedulerCards(deps),
    log,
  });
  whileLeading(notifications.leader, cutoverScheduler, (e) => log.error('cut-over scheduler start/stop failed', { error: String(e) }));
  if (config.watcher.enabled) await notifications.start();
  // A personal chat Teams tells us about may be someone whose guide was waiting for the app.
  const registry = {
    async remember(reference: Parameters<typeof notifications.registry.remember>[0], event: string) {
      await notifications.registry.remember(reference, event);
      const aad = (reference.user as { aadObjectId?: string } | undefined)?.aadObjectId;
      if (guideOffers && reference.conversation?.conversationType === 'personal' && aad) {
        await guideOffers.personalChatOpened(aad).catch((err) => log.warn('waiting guide not delivered', { error: errorText(err) }));
      }
    },
  };
  // Per-user files go to the asker's personal chat only: file consent cards in Teams, 15-minute links in the Playground.
  const files = new FileHandover({
    adapter,
    botAppId: credentials.MicrosoftAppId,
    downloads,
    findPersonal: (aad) => notifications.conversations.findPersonal(aad),
    how: config.fileHandover,
    uploadHostAllowed: (host) => hostAllowed(host, config.fileHosts),
    allowLoopbackHttp: config.mode === 'local',
    log,
  });
  deps.reports = files;
  const bot = createBot({ adapter, router, live, log, cards: notifications.notifier, conversations: registry, files, access, approvals: approvalCards });
  registerRoutes(server, {
    adapter,
    bot,
    downloads,
    log,
    health: async () => ({ mode: config.mode, liveCards: live.active }),
  });

  // Uploaded CSVs and report files must not outlive their time.
  const sweeper = setInterval(() => {
    void pending.sweepExpired().catch((err) => log.warn('pending sweep failed', { error: String(err) }));
    void downloads.sweepExpired().catch((err) => log.warn('downloads sweep failed', { error: String(err) }));
    void deps.guide!.imports.sweepExpired().catch((err) => log.warn('import plans sweep failed', { error: String(err) }));
  }, 60_000);
  sweeper.unref();

  log.info('Cutover is listening', { url: `${botUrl}/api/messages`, mode: config.mode, exchange: exchangeBaseUrl });
  if (config.mode === 'local') {
    const which = emulator ? 'the built-in Exchange Online emulator' : `the Exchange Online emulator at ${exchangeBaseUrl}`;
    log.info(
      config.admins.length === 0
        ? `Local mode: no Microsoft credentials, using ${which}; no admins configured, so everyone may run admin commands.`
        : `Local mode: no Microsoft credentials, using ${which}.`,
    );
  }

  return {
    config,
    botUrl,
    emulator,
    graphEmulator,
    async close() {
      clearInterval(sweeper);
      live.stop();
      await notifications.close();
      await guideOffers?.stop();
      await cutoverScheduler.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (emulator) await emulator.close();
      if (graphEmulator) await graphEmulator.close();
      await pimReader.close();
    },
  };
}

/** The audit, also telling the history who created each batch (its batch.create entries). */
function historyAudit(audit: AuditLog, history: BatchHistory, log: ReturnType<typeof createLogger>): AuditLog {
  const record = audit.record.bind(audit);
  audit.record = async (entry) => {
    const recorded = await record(entry);
    if (entry.action === 'batch.create' && entry.result === 'ok' && entry.target) {
      await history.noteCreated(entry.target, (entry.actor as { upn?: string }).upn ?? entry.actor.name ?? entry.actor.id).catch((err) => log.warn('batch creator not kept for the history', { error: errorText(err) }));
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
