// Azurite's blob service (and, when asked, its queue service) on loopback, each a child process of
// its own (in memory, no telemetry): the Azure Storage account several bot instances share in
// scale-out tests.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './ports';

const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  /** AZURE_STORAGE_CONNECTION_STRING for it (BlobEndpoint on 127.0.0.1). */
  connectionString: string;
  close(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function startService(service: 'blob' | 'queue'): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const main = path.join(path.dirname(require.resolve('azurite/package.json')), `dist/src/${service}/main.js`);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      `--${service}Host`,
      '127.0.0.1',
      `--${service}Port`,
      String(port),
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--silent',
    ],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) throw new Error(`Azurite (${service}) did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    async close() {
      if (!child.pid || exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      await gone;
    },
  };
}

/** Blob only by default; `queue: true` adds the queue service (QueueEndpoint in the connection string). */
export async function startAzurite(options: { queue?: boolean } = {}): Promise<RunningAzurite> {
  const [blob, queue] = await Promise.all([startService('blob'), options.queue ? startService('queue') : null]);
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${blob.port}/devstoreaccount1;` +
      (queue ? `QueueEndpoint=http://127.0.0.1:${queue.port}/devstoreaccount1;` : ''),
    async close() {
      await Promise.all([blob.close(), queue?.close()]);
    },
  };
}
