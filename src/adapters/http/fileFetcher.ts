// Downloads a file a person attached in Teams, from the URL Teams gave for it only:
// https (Teams' pre-authenticated SharePoint/OneDrive links), or loopback in local mode.
// No credentials are sent, the size is capped while streaming, and a slow server times out.

import { FileFetchError, type FileFetcher, type IncomingFile } from '../../commands/types';
import { formatBytes } from '../../domain/sizes';

export interface FileFetcherOptions {
  maxBytes: number;
  timeoutMs?: number;
  allowLoopbackHttp: boolean;
  fetch?: typeof fetch;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class HttpFileFetcher implements FileFetcher {
  constructor(private readonly options: FileFetcherOptions) {}

  private check(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new FileFetchError('The attachment has no valid download address, so Cutover did not open it.');
    }
    if (url.username || url.password) throw new FileFetchError('The attachment address carries credentials; Cutover refuses it.');
    if (url.protocol === 'https:') return url;
    if (url.protocol === 'http:' && this.options.allowLoopbackHttp && LOOPBACK.has(url.hostname)) return url;
    throw new FileFetchError(`Cutover downloads attachments only over https from the address Teams gives (this one is ${url.protocol}//${url.hostname}).`);
  }

  async fetch(file: IncomingFile): Promise<Buffer> {
    const url = this.check(file.downloadUrl);
    const f = this.options.fetch ?? fetch;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 20_000);
    try {
      const res = await f(url, { redirect: 'follow', signal: controller.signal, headers: { accept: 'text/csv, text/plain, application/octet-stream' } });
      if (res.url && res.url !== url.toString()) this.check(res.url);
      if (!res.ok) throw new FileFetchError(`Teams did not hand over ${file.name} (HTTP ${res.status}). Attach it again.`);
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > this.options.maxBytes) throw this.tooBig(file, declared);
      const chunks: Buffer[] = [];
      let total = 0;
      if (!res.body) return Buffer.alloc(0);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        total += chunk.byteLength;
        if (total > this.options.maxBytes) {
          controller.abort();
          throw this.tooBig(file, total);
        }
        chunks.push(Buffer.from(chunk));
      }
      return Buffer.concat(chunks);
    } catch (err) {
      if (err instanceof FileFetchError) throw err;
      if (controller.signal.aborted) throw new FileFetchError(`Downloading ${file.name} took too long; attach it again.`);
      throw new FileFetchError(`Downloading ${file.name} failed; attach it again.`);
    } finally {
      clearTimeout(timer);
    }
  }

  private tooBig(file: IncomingFile, size: number): FileFetchError {
    return new FileFetchError(
      `${file.name} is larger than ${formatBytes(this.options.maxBytes)} (${formatBytes(size)}${size > this.options.maxBytes ? '+' : ''}); Exchange takes at most 10 MB and 50,000 rows per batch. Split it into several batches.`,
    );
  }
}
