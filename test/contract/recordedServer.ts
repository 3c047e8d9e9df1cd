import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

// A loopback HTTP server that answers InvokeCommand with recorded responses, in order,
// and keeps every request it saw so tests can assert on what the adapter sent.

export interface Recorded {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  bodyText?: string;
  bodyBase64?: string;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export function loadRecorded(name: string): Recorded {
  return JSON.parse(readFileSync(join(__dirname, 'recorded', `${name}.json`), 'utf8')) as Recorded;
}

export interface RecordedServer {
  baseUrl: string;
  requests: SeenRequest[];
  /** Queue answers; `{base}` in bodies is replaced with this server's URL (nextLinks). */
  enqueue(...responses: Recorded[]): void;
  close(): Promise<void>;
}

export async function startRecordedServer(): Promise<RecordedServer> {
  const queue: Recorded[] = [];
  const requests: SeenRequest[] = [];
  let baseUrl = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const next = queue.shift();
      if (!next) {
        res.writeHead(599, { 'content-type': 'text/plain' });
        res.end('recorded server: no response queued');
        return;
      }
      let payload: Buffer;
      if (next.bodyBase64 !== undefined) payload = Buffer.from(next.bodyBase64, 'base64');
      else if (next.bodyText !== undefined) payload = Buffer.from(next.bodyText, 'utf8');
      else if (next.body !== undefined) payload = Buffer.from(JSON.stringify(next.body).split('{base}').join(baseUrl), 'utf8');
      else payload = Buffer.alloc(0);
      res.writeHead(next.status, { ...(next.headers ?? {}), 'content-length': String(payload.length) });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    enqueue: (...responses) => queue.push(...responses),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
