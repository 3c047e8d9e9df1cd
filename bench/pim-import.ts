// Importing 5,000 contacts and 2,000 events into one mailbox through the Graph client
// against the Graph emulator on loopback: Graph requests made against the $batch minimum
// (items / 20), wall time, peak RSS (sampled every 5 ms), then a re-import (must create nothing).
//
//   npx tsc -p . && node dist/bench/pim-import.js
//
// Target: requests within 5% of the $batch minimum (items / 20).

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GraphClient } from '../src/adapters/graph/graphClient';
import { FileStore } from '../src/adapters/storage/fileStore';
import { StaticTokenSource } from '../src/adapters/exchange/tokenSource';
import { parseCalendar, parseVcards } from '../src/domain/pim';
import { FIXED_IDS, startGraphEmulator } from '../src/emulator/graph';
import { systemClock } from '../src/ports/clock';
import { PimImports } from '../src/services/pimImport';
import { manyContactsVcf, manyEventsIcs } from '../test/support/pimFixtures';

async function main(): Promise<void> {
  const emu = await startGraphEmulator();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const baseline = process.memoryUsage().rss;
  const user = FIXED_IDS.alexw;
  const results: string[] = [];
  let ok = true;
  try {
    for (const run of ['first import', 're-import']) {
      const graph = new GraphClient({ baseUrl: emu.baseUrl, tokenSource: new StaticTokenSource(emu.accessToken) });
      // Plans wait sealed in the state store, as in the bot (file store in a temp folder).
      const imports = new PimImports(graph, systemClock, new FileStore(fs.mkdtempSync(path.join(os.tmpdir(), 'cutover-bench-pim-'))), randomBytes(32));
      const t0 = process.hrtime.bigint();
      const contacts = parseVcards(manyContactsVcf(5000));
      const events = parseCalendar(manyEventsIcs(2000));
      if (!contacts.ok || !events.ok) throw new Error('fixtures did not parse');
      const tParsed = process.hrtime.bigint();
      let created = 0;
      let already = 0;
      for (const parsed of [contacts, events]) {
        const plan = await imports.prepare({
          ownerId: 'bench',
          userId: user,
          fileName: parsed.kind,
          kind: parsed.kind,
          items: parsed.items,
          skipped: parsed.skipped,
          notes: parsed.notes,
          overLimit: parsed.overLimit,
        });
        const out = await imports.run(plan);
        if (out.stopped || out.failed.length) throw new Error(`import failed: ${out.stopped ?? out.failed[0].reason}`);
        created += out.created;
        already += out.alreadyThere;
      }
      const t1 = process.hrtime.bigint();
      const items = contacts.items.length + events.items.length;
      const minimum = Math.ceil(contacts.items.length / 20) + Math.ceil(events.items.length / 20);
      const requests = graph.stats().requests;
      // The minimum counts only the $batch calls; listing what exists costs one request per 1,000 items.
      const overhead = (requests - (run === 'first import' ? minimum : 0)) / minimum;
      results.push(
        `${run}: ${items} items (${contacts.items.length} contacts, ${events.items.length} events), created ${created}, already there ${already}; ` +
          `Graph requests ${requests} vs $batch minimum ${run === 'first import' ? minimum : 0} (+${(overhead * 100).toFixed(1)}% of ${minimum}); ` +
          `parse ${(Number(tParsed - t0) / 1e6).toFixed(0)} ms, wall ${(Number(t1 - t0) / 1e6).toFixed(0)} ms`,
      );
      if (run === 'first import' && (created !== items || overhead > 0.05)) ok = false;
      if (run === 're-import' && created !== 0) ok = false;
    }
    const stored = emu.control.contacts(user).length + emu.control.events(user).length;
    results.push(`mailbox holds ${stored} items; peak RSS ${(peak / 1048576).toFixed(0)} MB (Δ ${((peak - baseline) / 1048576).toFixed(0)} MB over start)`);
  } finally {
    clearInterval(sampler);
    await emu.close();
  }
  for (const r of results) process.stdout.write(`${r}\n`);
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'}: requests within 5% of items/20, re-import creates nothing\n`);
  if (!ok) process.exitCode = 1;
}

void main();
