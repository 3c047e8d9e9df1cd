// The worker thread's side of WorkerPimReader (workerPimReader.ts): loads the pure parser,
// says it is ready, parses the one file it is sent and posts the result. The reader
// terminates the thread afterwards, or sooner when the deadline passes.

import { parentPort } from 'node:worker_threads';
import { parsePimFile } from '../../domain/pim';

export type WorkerRequest = { name: string; bytes: Uint8Array };
export type WorkerReply = { type: 'ready' } | { type: 'result'; result: ReturnType<typeof parsePimFile> } | { type: 'error'; message: string };

if (parentPort) {
  const port = parentPort;
  port.once('message', (m: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      reply = { type: 'result', result: parsePimFile(m.name, Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength)) };
    } catch (e) {
      reply = { type: 'error', message: String(e instanceof Error ? e.message : e).slice(0, 200) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
}
