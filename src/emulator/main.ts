// Runs the Exchange Online and Microsoft Graph emulators standalone: `npm run emulator`. Several bots in
// local mode share them with EXCHANGE_BASE_URL and GRAPH_BASE_URL (the scale-out setup on one machine).
// Env: EMULATOR_PORT (default 5080), EMULATOR_HOST, EMULATOR_TIME_SCALE, EMULATOR_TENANT_ID,
// EMULATOR_ACCESS_TOKEN, EMULATOR_CONTROL=1 to serve /_emulator/* control endpoints, EMULATOR_STRICT_PAGING=1 to
// refuse every next link as Exchange did for an app-only client (the default under jest);
// GRAPH_EMULATOR_PORT (default 5081), GRAPH_EMULATOR_ACCESS_TOKEN.

import { startExchangeEmulator } from './exchange';
import { startGraphEmulator } from './graph';

async function main(): Promise<void> {
  const env = process.env;
  const emulator = await startExchangeEmulator({
    host: env.EMULATOR_HOST ?? '127.0.0.1',
    port: env.EMULATOR_PORT ? Number(env.EMULATOR_PORT) : 5080,
    ...(env.EMULATOR_TIME_SCALE ? { timeScale: Number(env.EMULATOR_TIME_SCALE) } : {}),
    ...(env.EMULATOR_TENANT_ID ? { tenantId: env.EMULATOR_TENANT_ID } : {}),
    ...(env.EMULATOR_ACCESS_TOKEN ? { accessToken: env.EMULATOR_ACCESS_TOKEN } : {}),
    enableControl: env.EMULATOR_CONTROL === '1',
    ...(env.EMULATOR_STRICT_PAGING ? { strictPaging: env.EMULATOR_STRICT_PAGING === '1' } : {}),
    log: env.EMULATOR_QUIET === '1' ? undefined : (line) => console.log(line),
  });
  const graph = await startGraphEmulator({
    host: env.EMULATOR_HOST ?? '127.0.0.1',
    port: env.GRAPH_EMULATOR_PORT ? Number(env.GRAPH_EMULATOR_PORT) : 5081,
    ...(env.GRAPH_EMULATOR_ACCESS_TOKEN ? { accessToken: env.GRAPH_EMULATOR_ACCESS_TOKEN } : {}),
    log: env.EMULATOR_QUIET === '1' ? undefined : (line) => console.log(`graph ${line}`),
  });
  console.log(`Exchange Online emulator listening on ${emulator.baseUrl}`);
  console.log(`  InvokeCommand: POST ${emulator.baseUrl}/adminapi/beta/${emulator.tenantId}/InvokeCommand`);
  console.log(`  Authorization: Bearer ${emulator.accessToken}`);
  console.log(`  Demo IMAP source: imap.contoso.edu:993 (Ssl); sample CSV: samples/contoso-pilot.csv`);
  console.log(`Microsoft Graph emulator listening on ${graph.baseUrl}`);
  console.log(`Bots in local mode share both with: EXCHANGE_BASE_URL=${emulator.baseUrl} GRAPH_BASE_URL=${graph.baseUrl}`);
  const stop = () => void Promise.all([emulator.close(), graph.close()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
