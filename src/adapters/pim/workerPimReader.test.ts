import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { parsePimFile } from '../../domain/pim';
import { deeplyNestedIcs, manyPropertiesVcard, minutelyTimezoneIcs, slowContactsVcf, tenMegabyteVcard } from '../../../test/support/hostilePim';
import { googleVcf30, manyContactsVcf, outlookIcs } from '../../../test/support/pimFixtures';
import { WorkerPimReader } from './workerPimReader';

/** The longest the event loop went without running a 10 ms timer while `work` ran. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ value: T; stallMs: number; ms: number }> {
  let last = Date.now();
  let stall = 0;
  const t0 = last;
  const tick = setInterval(() => {
    const now = Date.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 10);
  try {
    const value = await work();
    return { value, stallMs: Math.max(stall, Date.now() - last), ms: Date.now() - t0 };
  } finally {
    clearInterval(tick);
  }
}

describe('WorkerPimReader (worker thread per file, from the TypeScript sources)', () => {
  const reader = new WorkerPimReader();
  afterAll(() => reader.close());

  it('gives the same result as the parser itself, and leaves no thread behind', async () => {
    expect(await reader.read('calendar.ics', outlookIcs())).toEqual(parsePimFile('calendar.ics', outlookIcs()));
    expect(await reader.read('contacts.vcf', googleVcf30())).toEqual(parsePimFile('contacts.vcf', googleVcf30()));
    expect(reader.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('answers the minutely VTIMEZONE within seconds, naming the rule, while the event loop keeps turning', async () => {
    const { value, stallMs, ms } = await longestStall(() => reader.read('trap.ics', minutelyTimezoneIcs()));
    expect(value).toMatchObject({
      ok: true,
      items: [],
      skipped: [
        {
          index: 2,
          label: 'Trap · 2025-06-01',
          reason: expect.stringMatching(/time zone "Every Minute" is defined to change every minute \(RRULE FREQ=MINUTELY\).*Export the calendar again/),
        },
      ],
    });
    expect(ms).toBeLessThan(10_000);
    expect(stallMs).toBeLessThan(250);
  });

  it('refuses a deeply nested .ics, a 10 MB vCard and a vCard with 250,000 properties with clear reasons', async () => {
    const nested = await reader.read('nested.ics', deeplyNestedIcs());
    expect(nested).toEqual({ ok: false, problem: expect.stringMatching(/^Its components are nested more than 32 deep.*Export the file again/) });

    const big = await reader.read('big.vcf', tenMegabyteVcard());
    expect(big).toMatchObject({
      ok: true,
      items: [{ label: 'Light Note' }],
      skipped: [
        { index: 1, label: 'Heavy Note', reason: expect.stringMatching(/a NOTE line of 10,\d{3},\d{3} characters \(Cutover reads lines up to 32,768\)/) },
      ],
    });

    const many = await reader.read('many.vcf', manyPropertiesVcard());
    expect(many).toMatchObject({
      ok: true,
      items: [{ label: 'Few Props' }],
      skipped: [{ index: 1, label: 'Many Props', reason: 'it has more than 1,000 lines (Cutover reads entries up to that size)' }],
    });
  });

  it('stops a read at its deadline: "could not be read", the thread is terminated, the loop never stalls', async () => {
    const warnings: Record<string, unknown>[] = [];
    const strict = new WorkerPimReader({ deadlineMs: 100, log: { info: () => undefined, error: () => undefined, warn: (_m, f) => warnings.push(f ?? {}) } });
    try {
      const file = slowContactsVcf();
      // In-thread this file takes well over a second (measured, so the deadline is really what stops it).
      const t0 = Date.now();
      parsePimFile('busy.vcf', file);
      expect(Date.now() - t0).toBeGreaterThan(300);

      const { value, stallMs } = await longestStall(() => strict.read('busy.vcf', file));
      expect(value).toEqual({
        ok: false,
        problem: expect.stringMatching(/^This file could not be read: reading it took longer than 100 ms.*Export it again from your mail program, or in parts/),
      });
      expect(stallMs).toBeLessThan(250);
      expect(strict.stats()).toEqual({ running: 0, queued: 0 });
      expect(warnings).toEqual([expect.objectContaining({ outcome: 'deadline', phase: 'reading' })]);
    } finally {
      await strict.close();
    }
  });

  it('stops a read that needs more memory than one file is given', async () => {
    const warnings: Record<string, unknown>[] = [];
    const small = new WorkerPimReader({ maxHeapMb: 32, log: { info: () => undefined, error: () => undefined, warn: (_m, f) => warnings.push(f ?? {}) } });
    try {
      expect(await small.read('big.vcf', slowContactsVcf())).toEqual({
        ok: false,
        problem: expect.stringMatching(/^This file could not be read: reading it needs more memory than Cutover gives one file \(32 MB\)/),
      });
      expect(warnings).toEqual([expect.objectContaining({ outcome: 'memory', phase: 'reading' })]);
      // The next file is read as usual.
      expect(await small.read('ok.vcf', googleVcf30())).toMatchObject({ ok: true });
    } finally {
      await small.close();
    }
  });

  it('reads a few files at once and asks the rest to be sent again shortly', async () => {
    const narrow = new WorkerPimReader({ concurrency: 1, maxQueued: 1 });
    try {
      const reads = [narrow.read('a.vcf', manyContactsVcf(5)), narrow.read('b.vcf', manyContactsVcf(6)), narrow.read('c.vcf', manyContactsVcf(7))];
      expect(narrow.stats()).toEqual({ running: 1, queued: 1 });
      const [a, b, c] = await Promise.all(reads);
      expect(a).toMatchObject({ ok: true, items: expect.arrayContaining([]) });
      expect(a.ok && a.items.length).toBe(5);
      expect(b.ok && b.items.length).toBe(6);
      expect(c).toEqual({ ok: false, problem: 'This file could not be read now: Cutover is reading 2 other files right now. Send it again in a minute.' });
    } finally {
      await narrow.close();
    }
  });
});

describe('WorkerPimReader from compiled JavaScript (as dist/ runs it)', () => {
  let dir: string;
  beforeAll(() => {
    // The reader, its worker entry and the parser, compiled as `tsc -p .` compiles them (CommonJS), into a folder of their own.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-pimworker-'));
    const root = path.resolve(__dirname, '../../..');
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(root, 'tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    )!;
    for (const rel of [
      'src/adapters/pim/workerPimReader.ts',
      'src/adapters/pim/pimParseWorker.ts',
      ...fs
        .readdirSync(path.join(root, 'src/domain/pim'))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => `src/domain/pim/${f}`),
    ]) {
      const out = ts.transpileModule(fs.readFileSync(path.join(root, rel), 'utf8'), { compilerOptions: config.options, fileName: rel });
      fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel.replace(/\.ts$/, '.js')), out.outputText);
    }
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    fs.writeFileSync(path.join(dir, 'trap.ics'), minutelyTimezoneIcs());
    fs.writeFileSync(path.join(dir, 'busy.vcf'), slowContactsVcf());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the compiled worker entry (the folder holds no TypeScript)', () => {
    const script = `
      const fs = require('node:fs');
      const { WorkerPimReader } = require('./src/adapters/pim/workerPimReader.js');
      (async () => {
        const r = new WorkerPimReader();
        const trap = await r.read('trap.ics', fs.readFileSync('trap.ics'));
        const strict = new WorkerPimReader({ deadlineMs: 100 });
        const busy = await strict.read('busy.vcf', fs.readFileSync('busy.vcf'));
        process.stdout.write(JSON.stringify({ trap, busy }));
        await r.close(); await strict.close();
      })();`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', timeout: 30_000 }));
    expect(out.trap).toMatchObject({ ok: true, skipped: [{ reason: expect.stringMatching(/change every minute/) }] });
    expect(out.busy).toEqual({ ok: false, problem: expect.stringMatching(/^This file could not be read: reading it took longer than 100 ms/) });
  });
});
