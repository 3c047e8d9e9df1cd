// endpoint list | add | test | remove — IMAP migration endpoints.

import { tableCard } from '../cards/table';
import type { EndpointSecurity, MigrationEndpoint, ServerAvailabilityResult } from '../domain/exchange/types';
import { toPowerShell } from '../domain/exchange/powershell';
import { cleartextPasswordWarning } from '../domain/exchange/cleartext';
import type { Actor, CommandDeps, Reply } from './types';
import { exchangeErrorReply, notice } from './views';
import { errorText } from '../lib/errorText';

function describe(e: MigrationEndpoint): string {
  return `${e.remoteServer}:${e.port}, ${e.security}`;
}

export async function listEndpoints(deps: CommandDeps): Promise<Reply> {
  const ps = toPowerShell('Get-MigrationEndpoint', { Type: 'IMAP' });
  try {
    const endpoints = (await deps.exchange.getMigrationEndpoints()).filter((e) => e.endpointType.toUpperCase() === 'IMAP');
    const widths = [3, 4, 2, 2, 2];
    const inClear = endpoints.filter((e) => cleartextPasswordWarning(e));
    const warning = inClear.map((e) => cleartextPasswordWarning(e)).join('\n\n');
    const card = tableCard({
      warning,
      title: 'IMAP migration endpoints',
      subtitle: endpoints.length === 1 ? '1 endpoint' : `${endpoints.length} endpoints`,
      columns: ['Name', 'Server', 'Security', 'Max sync', 'Active'].map((label, i) => ({ label, width: widths[i] })),
      rows: endpoints.map((e) =>
        [e.identity, `${e.remoteServer}:${e.port}`, e.security, String(e.maxConcurrentMigrations), String(e.activeMigrationCount)].map((text) => ({ text })),
      ),
      empty: 'No IMAP endpoints yet. Add one with: endpoint add <name> <host> [port] [ssl|tls|none]',
      powershell: ps,
    });
    return { card, summary: `${endpoints.length} IMAP endpoints` };
  } catch (err) {
    return exchangeErrorReply('Listing endpoints', err, ps);
  }
}

function availabilityFacts(r: ServerAvailabilityResult): { title: string; value: string }[] {
  return [
    { title: 'Result', value: r.result },
    ...(r.message ? [{ title: 'Message', value: r.message }] : []),
    ...(r.errorDetail ? [{ title: 'Detail', value: r.errorDetail }] : []),
  ];
}

export async function addEndpoint(
  deps: CommandDeps,
  actor: Actor,
  input: { name: string; host: string; port: number; security: EndpointSecurity },
): Promise<Reply> {
  const testPs = toPowerShell('Test-MigrationServerAvailability', { Imap: true, RemoteServer: input.host, Port: input.port, Security: input.security });
  const newPs = toPowerShell('New-MigrationEndpoint', { IMAP: true, Name: input.name, RemoteServer: input.host, Port: input.port, Security: input.security });
  let test: ServerAvailabilityResult;
  try {
    test = await deps.exchange.testImapServerAvailability({ remoteServer: input.host, port: input.port, security: input.security });
  } catch (err) {
    await deps.audit.record({ actor, action: 'endpoint.add', target: input.name, result: 'failed', detail: 'Test-MigrationServerAvailability failed' });
    return exchangeErrorReply('Testing the IMAP server', err, testPs);
  }
  if (test.result === 'Failed') {
    await deps.audit.record({ actor, action: 'endpoint.add', target: input.name, result: 'failed', detail: `server test failed: ${test.message}` });
    return notice({
      title: `Exchange can't reach ${input.host}:${input.port}`,
      tone: 'bad',
      text: 'The endpoint was not created, because Exchange Online could not connect to the IMAP server.',
      facts: availabilityFacts(test),
      lines: [
        'Check that the host name resolves on the internet, that the port is open to Exchange Online, and that the security setting matches the port (ssl: 993, tls: 143).',
      ],
      powershell: testPs,
    });
  }
  try {
    const endpoint = await deps.exchange.newImapMigrationEndpoint({ name: input.name, remoteServer: input.host, port: input.port, security: input.security });
    await deps.audit.record({ actor, action: 'endpoint.add', target: input.name, result: 'ok', detail: describe(endpoint) });
    return notice({
      title: `Endpoint ${endpoint.identity} created`,
      tone: cleartextPasswordWarning(endpoint) ? 'warn' : 'good',
      warning: cleartextPasswordWarning(endpoint) ?? undefined,
      text: `Exchange Online reached ${describe(endpoint)}. Use it with: batch new <name> endpoint ${endpoint.identity}`,
      facts: [
        ...availabilityFacts(test),
        { title: 'Concurrent migrations', value: String(endpoint.maxConcurrentMigrations) },
        { title: 'Concurrent incremental syncs', value: String(endpoint.maxConcurrentIncrementalSyncs) },
      ],
      powershell: `${testPs}\n${newPs}`,
    });
  } catch (err) {
    await deps.audit.record({ actor, action: 'endpoint.add', target: input.name, result: 'failed', detail: errorText(err) });
    return exchangeErrorReply('Creating the endpoint', err, newPs);
  }
}

export async function testEndpoint(deps: CommandDeps, actor: Actor, name: string): Promise<Reply> {
  const ps = toPowerShell('Test-MigrationServerAvailability', { Endpoint: name });
  try {
    const endpoint = await deps.exchange.getMigrationEndpoint(name);
    if (!endpoint)
      return notice({
        title: `No endpoint called ${name}`,
        tone: 'warn',
        text: 'See the endpoints with: endpoint list',
        powershell: toPowerShell('Get-MigrationEndpoint', { Identity: name }),
      });
    const r = await deps.exchange.testEndpointAvailability(name);
    await deps.audit.record({ actor, action: 'endpoint.test', target: name, result: r.result === 'Failed' ? 'failed' : 'ok', detail: r.message });
    return notice({
      title: r.result === 'Failed' ? `${name}: Exchange can't reach ${describe(endpoint)}` : `${name}: Exchange reaches ${describe(endpoint)}`,
      tone: r.result === 'Success' ? 'good' : r.result === 'Warning' ? 'warn' : 'bad',
      warning: cleartextPasswordWarning(endpoint) ?? undefined,
      facts: availabilityFacts(r),
      powershell: ps,
    });
  } catch (err) {
    return exchangeErrorReply('Testing the endpoint', err, ps);
  }
}

export async function removeEndpoint(deps: CommandDeps, actor: Actor, name: string): Promise<Reply> {
  const ps = toPowerShell('Remove-MigrationEndpoint', { Identity: name });
  try {
    const batches = await deps.exchange.getMigrationBatches();
    const users = batches.filter((b) => (b.sourceEndpoint ?? '').toLowerCase() === name.toLowerCase());
    if (users.length > 0) {
      await deps.audit.record({ actor, action: 'endpoint.remove', target: name, result: 'refused', detail: 'in use' });
      return notice({
        title: `${name} is still in use`,
        tone: 'warn',
        text: `Batches using it: ${users.map((b) => b.identity).join(', ')}. Remove those batches first.`,
        powershell: ps,
      });
    }
    await deps.exchange.removeMigrationEndpoint(name);
    await deps.audit.record({ actor, action: 'endpoint.remove', target: name, result: 'ok' });
    return notice({ title: `Endpoint ${name} removed`, tone: 'good', powershell: ps });
  } catch (err) {
    await deps.audit.record({ actor, action: 'endpoint.remove', target: name, result: 'failed', detail: errorText(err) });
    return exchangeErrorReply('Removing the endpoint', err, ps);
  }
}
