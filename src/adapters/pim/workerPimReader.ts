// Reads uploaded .vcf/.ics files off the bot's event loop: each file is parsed by the pure
// parser (src/domain/pim) in a worker thread of its own, with a deadline and a heap cap. A file
// that takes too long or too much memory gets "This file could not be read: …" and its thread
// is terminated; everyone else's turns keep being answered meanwhile. A few files are read at
// once; the rest wait in a short line, and beyond that the answer is to send it again shortly.
//
// The worker entry (pimParseWorker) runs as compiled JavaScript in production (dist/) and as
// TypeScript from the sources in tests (ts-jest): a tiny bootstrap, evaluated as the worker's
// code, requires the compiled .js, or first registers a transpile hook with the installed
// `typescript` package when this file itself is TypeScript (output cached on disk).

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PimParseResult } from '../../domain/pim/types';
import type { Logger } from '../../ports/logger';
import type { PimFileReader } from '../../ports/pimReader';
import type { WorkerReply } from './pimParseWorker';

export interface WorkerPimReaderOptions {
  /** Reading one file, from the moment its worker is ready. Real exports take well under a second. */
  deadlineMs?: number;
  /** Loading the parser in a new worker (slower from TypeScript sources than from dist/). */
  startupMs?: number;
  /** Heap of one worker: a 16 MB file needs well under half of this. */
  maxHeapMb?: number;
  /** Files read at the same time (each takes a core while it runs). */
  concurrency?: number;
  /** Files waiting for a free reader; beyond this the person is asked to send it again shortly. */
  maxQueued?: number;
  log?: Logger;
}

export const WORKER_READER_DEFAULTS = { deadlineMs: 5_000, startupMs: 30_000, maxHeapMb: 256, concurrency: 2, maxQueued: 16 };

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const entry = workerData.entry;
if (entry.endsWith('.ts')) {
  // From the sources (tests): TypeScript is transpiled as it loads, with the project's module settings.
  // Output is kept in node_modules/.cache, so only the first worker after a change loads the compiler.
  const fs = require('node:fs');
  const path = require('node:path');
  const crypto = require('node:crypto');
  const typescript = require.resolve('typescript', { paths: [path.dirname(entry)] });
  const cacheDir = path.join(typescript.slice(0, typescript.lastIndexOf('node_modules') + 12), '.cache', 'cutover-pim-worker');
  let ts = null;
  require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const cached = path.join(cacheDir, crypto.createHash('sha256').update(filename).update('\\0').update(source).digest('hex') + '.js');
    let js;
    try {
      js = fs.readFileSync(cached, 'utf8');
    } catch {
      ts = ts || require(typescript);
      js = ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true },
      }).outputText;
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        const partial = cached + '.' + process.pid + '.' + require('node:worker_threads').threadId;
        fs.writeFileSync(partial, js);
        fs.renameSync(partial, cached);
      } catch {}
    }
    module._compile(js, filename);
  };
}
require(entry);
`;

const en = (n: number) => n.toLocaleString('en-US');

type Job = { name: string; bytes: Uint8Array; resolve: (r: PimParseResult) => void };

export class WorkerPimReader implements PimFileReader {
  private readonly o: Required<Omit<WorkerPimReaderOptions, 'log'>>;
  private readonly queue: Job[] = [];
  private readonly workers = new Set<Worker>();
  private closed = false;
  /** The worker entry beside this file, in the same language (.ts from sources, .js from dist/). */
  private readonly entry = path.join(__dirname, `pimParseWorker${path.extname(__filename) || '.js'}`);

  constructor(private readonly options: WorkerPimReaderOptions = {}) {
    const { log: _log, ...rest } = options;
    this.o = { ...WORKER_READER_DEFAULTS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
  }

  /** Workers running now and files waiting (for tests and status). */
  stats(): { running: number; queued: number } {
    return { running: this.workers.size, queued: this.queue.length };
  }

  read(fileName: string, bytes: Uint8Array): Promise<PimParseResult> {
    if (this.closed) return Promise.resolve(refuse('Cutover is shutting down. Send it again in a minute.'));
    if (this.workers.size >= this.o.concurrency && this.queue.length >= this.o.maxQueued) {
      return Promise.resolve(refuse(`Cutover is reading ${en(this.workers.size + this.queue.length)} other files right now. Send it again in a minute.`));
    }
    // A copy of its own goes to the worker (the caller wipes its buffer after reading).
    const copy = new Uint8Array(bytes);
    return new Promise((resolve) => {
      this.queue.push({ name: fileName, bytes: copy, resolve });
      this.next();
    });
  }

  /** Stops every running worker; waiting files get a "send it again" answer. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve(refuse('Cutover is shutting down. Send it again in a minute.'));
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private next(): void {
    while (this.workers.size < this.o.concurrency && this.queue.length) this.run(this.queue.shift()!);
  }

  private run(job: Job): void {
    const started = Date.now();
    const size = job.bytes.byteLength;
    let worker: Worker;
    try {
      worker = new Worker(BOOTSTRAP, {
        eval: true,
        workerData: { entry: this.entry },
        resourceLimits: { maxOldGenerationSizeMb: this.o.maxHeapMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, Math.floor(this.o.maxHeapMb / 8))) },
        stdout: false,
        stderr: false,
      });
    } catch (e) {
      job.resolve(
        couldNot(
          `Cutover's file reader did not start (${String(e instanceof Error ? e.message : e).slice(0, 120)}). Try again in a minute; if it keeps happening, tell your IT team.`,
        ),
      );
      return;
    }
    this.workers.add(worker);
    let settled = false;
    let phase: 'startup' | 'reading' = 'startup';
    let timer: NodeJS.Timeout = setTimeout(
      () =>
        finish(
          couldNot(
            `Cutover's file reader did not start within ${Math.round(this.o.startupMs / 1000)} seconds. Try again in a minute; if it keeps happening, tell your IT team.`,
          ),
          'startup',
        ),
      this.o.startupMs,
    );
    const finish = (result: PimParseResult, outcome: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.removeAllListeners('message');
      this.workers.delete(worker);
      // The thread goes in every case: a hostile file's parse is stopped mid-way.
      void worker.terminate().catch(() => undefined);
      if (outcome !== 'ok') this.options.log?.warn('Contacts/calendar file not read', { outcome, phase, bytes: size, ms: Date.now() - started });
      job.resolve(result);
      this.next();
    };
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') {
        phase = 'reading';
        clearTimeout(timer);
        timer = setTimeout(
          () =>
            finish(
              couldNot(
                `reading it took longer than ${seconds(this.o.deadlineMs)}, which no contacts or calendar export needs (the file may be damaged, or made to be slow to read). Export it again from your mail program, or in parts (for example one address book or one year at a time).`,
              ),
              'deadline',
            ),
          this.o.deadlineMs,
        );
        worker.postMessage({ name: job.name, bytes: job.bytes }, [job.bytes.buffer as ArrayBuffer]);
      } else if (m.type === 'result') finish(m.result, 'ok');
      else
        finish(
          couldNot(
            `Cutover's reader stopped on it (${m.message}). Export the file again from your mail program; if that does not help, send it to your IT team.`,
          ),
          'error',
        );
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        finish(
          couldNot(
            `reading it needs more memory than Cutover gives one file (${this.o.maxHeapMb} MB). Export it in parts (for example one address book or one year at a time).`,
          ),
          'memory',
        );
      } else {
        finish(
          couldNot(
            `Cutover's reader stopped on it (${String(e.message).slice(0, 120)}). Export the file again from your mail program; if that does not help, send it to your IT team.`,
          ),
          'error',
        );
      }
    });
    worker.on('exit', (code) =>
      finish(
        couldNot(
          `Cutover's reader stopped on it (exit code ${code}). Export the file again from your mail program; if that does not help, send it to your IT team.`,
        ),
        'exit',
      ),
    );
  }
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} seconds` : `${ms} ms`;
}

function couldNot(reason: string): PimParseResult {
  return { ok: false, problem: `This file could not be read: ${reason}` };
}

function refuse(text: string): PimParseResult {
  return { ok: false, problem: `This file could not be read now: ${text}` };
}
