// npm run dev: the bot in local mode plus the Microsoft 365 Agents Playground,
// so a newcomer is chatting with it in a Teams-like client within a minute.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { startCutover } from '../src/index';

async function main(): Promise<void> {
  const cutover = await startCutover(process.env);
  const root = path.resolve(__dirname, '..', '..');
  const port = process.env.PLAYGROUND_PORT ?? '56150';
  const env: NodeJS.ProcessEnv = { ...process.env, TEAMSAPPTESTER_BROWSER: 'none' };
  // A developer's shell must not switch the Playground to authenticated mode.
  delete env.AUTH_CLIENT_ID;
  delete env.AUTH_CLIENT_SECRET;
  delete env.AUTH_TENANT_ID;
  const child = spawn(
    process.execPath,
    [path.join(root, 'node_modules/@microsoft/m365agentsplayground/cli.js'), '-e', `${cutover.botUrl}/api/messages`, '-c', 'msteams', '--dt', '-p', port],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  child.stdout.on('data', (chunk: Buffer) => {
    const m = /Listening on (\d+)/.exec(chunk.toString());
    if (m) {
      process.stdout.write(
        `\n  Cutover is running in local mode.\n  Open the Agents Playground: http://localhost:${m[1]}\n  Then type "help" in the personal chat.\n\n`,
      );
    }
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await cutover.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  child.on('exit', (code) => {
    process.stderr.write(`The Playground exited (${code}); the bot keeps running at ${cutover.botUrl}/api/messages.\n`);
  });
}

main().catch((err) => {
  process.stderr.write(`Cutover cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
