// Runs the Exchange Online emulator standalone: `npm run emulator`.
// Env: EMULATOR_PORT (default 5080), EMULATOR_HOST, EMULATOR_TIME_SCALE, EMULATOR_TENANT_ID,
// EMULATOR_ACCESS_TOKEN, EMULATOR_CONTROL=1 to serve /_emulator/* control endpoints.

import { startExchangeEmulator } from './exchange';

async function main(): Promise<void> {
  const env = process.env;
  const emulator = await startExchangeEmulator({
    host: env.EMULATOR_HOST ?? '127.0.0.1',
    port: env.EMULATOR_PORT ? Number(env.EMULATOR_PORT) : 5080,
    ...(env.EMULATOR_TIME_SCALE ? { timeScale: Number(env.EMULATOR_TIME_SCALE) } : {}),
    ...(env.EMULATOR_TENANT_ID ? { tenantId: env.EMULATOR_TENANT_ID } : {}),
    ...(env.EMULATOR_ACCESS_TOKEN ? { accessToken: env.EMULATOR_ACCESS_TOKEN } : {}),
    enableControl: env.EMULATOR_CONTROL === '1',
    log: env.EMULATOR_QUIET === '1' ? undefined : (line) => console.log(line),
  });
  console.log(`Exchange Online emulator listening on ${emulator.baseUrl}`);
  console.log(`  InvokeCommand: POST ${emulator.baseUrl}/adminapi/beta/${emulator.tenantId}/InvokeCommand`);
  console.log(`  Authorization: Bearer ${emulator.accessToken}`);
  console.log(`  Demo IMAP source: imap.contoso.edu:993 (Ssl); sample CSV: samples/contoso-pilot.csv`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
