// The capture connector (test/support) in a worker thread, for benchmarks: the Bot Connector is
// Microsoft's service in production, so its work should not share the bot's event loop. The
// main thread asks for counts and timestamps of the requests it received.

import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { startCaptureConnector } from '../test/support/captureConnector';

export interface ConnectorStats {
  count: number;
  /** Earliest and latest request time (ms epoch) from request number `from` on; 0 when none. */
  first: number;
  last: number;
}

export interface RemoteConnector {
  serviceUrl: string;
  stats(from?: number): Promise<ConnectorStats>;
  close(): Promise<void>;
}

export async function startConnectorInWorker(): Promise<RemoteConnector> {
  const worker = new Worker(__filename);
  let seq = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  worker.on('message', (m: { id: number; value: unknown }) => {
    waiting.get(m.id)?.(m.value);
    waiting.delete(m.id);
  });
  const ask = <T>(op: string, arg?: unknown): Promise<T> =>
    new Promise((resolve) => {
      const id = ++seq;
      waiting.set(id, resolve as (v: unknown) => void);
      worker.postMessage({ id, op, arg });
    });
  const serviceUrl = await ask<string>('start');
  return {
    serviceUrl,
    stats: (from = 0) => ask<ConnectorStats>('stats', from),
    async close() {
      await ask('close');
      await worker.terminate();
    },
  };
}

if (!isMainThread) {
  let connector: Awaited<ReturnType<typeof startCaptureConnector>> | null = null;
  parentPort!.on('message', async (m: { id: number; op: string; arg?: unknown }) => {
    let value: unknown = null;
    if (m.op === 'start') value = (connector = await startCaptureConnector()).serviceUrl;
    else if (m.op === 'stats') {
      const reqs = connector!.requests().slice(Number(m.arg ?? 0));
      value = {
        count: connector!.requests().length,
        first: reqs.reduce((x, r) => Math.min(x, r.at), Infinity) || 0,
        last: reqs.reduce((x, r) => Math.max(x, r.at), 0),
      };
    } else if (m.op === 'close') await connector?.close();
    parentPort!.postMessage({ id: m.id, value });
  });
}
