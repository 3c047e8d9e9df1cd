// A private NSD on 127.0.0.1 for DNS tests (reference: dns-test-peer.md): a loopback port,
// zone files in a short temp dir, and reload() to change records while it runs.

import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import DNS from 'dns2';
import { freePort } from './ports';

const NSD = ['/usr/sbin/nsd', '/usr/local/sbin/nsd'];

function find(name: string, candidates: string[]): string | null {
  for (const c of candidates) if (fs.existsSync(c)) return c;
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export function nsdAvailable(): boolean {
  return find('nsd', NSD) !== null;
}

/** describe, or describe.skip (failing on CI) when NSD is not installed. */
export function describeWithNsd(): jest.Describe {
  if (nsdAvailable()) return describe;
  const msg = 'NSD is not installed: apt-get install -y --no-install-recommends nsd';
  if (process.env.CI === 'true') {
    return ((name: string) =>
      describe(name, () =>
        test('nsd is installed', () => {
          throw new Error(msg);
        }),
      )) as unknown as jest.Describe;
  }
  console.warn(`\n!!!!!!!! SKIPPED: ${msg} !!!!!!!!\n`);
  return describe.skip;
}

export interface NsdInstance {
  port: number;
  dir: string;
  /** Replaces a zone's records (zone-file lines without SOA/NS) and waits until NSD serves the new serial. */
  setZone(zone: string, records: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startNsd(zones: Record<string, string[]>): Promise<NsdInstance> {
  const bin = find('nsd', NSD);
  if (!bin) throw new Error('nsd is not installed');
  const control = find('nsd-control', ['/usr/sbin/nsd-control']) ?? 'nsd-control';
  const checkzone = find('nsd-checkzone', ['/usr/sbin/nsd-checkzone']) ?? 'nsd-checkzone';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsd-'));
  const port = await freePort();
  const serials = new Map<string, number>();
  const writeZone = (zone: string, records: string[]) => {
    const serial = (serials.get(zone) ?? 0) + 1;
    serials.set(zone, serial);
    const text = [
      `$ORIGIN ${zone}.`,
      `@ 3600 IN SOA ns1.${zone}. hostmaster.${zone}. ${serial} 3600 600 86400 60`,
      `@ 3600 IN NS ns1.${zone}.`,
      `ns1 3600 IN A 127.0.0.1`,
      ...records,
      '',
    ].join('\n');
    const file = path.join(dir, `${zone}.zone`);
    fs.writeFileSync(file, text);
    execFileSync(checkzone, [zone, file], { stdio: 'pipe' });
  };
  for (const [zone, records] of Object.entries(zones)) writeZone(zone, records);
  const conf = path.join(dir, 'nsd.conf');
  fs.writeFileSync(
    conf,
    `server:
  ip-address: 127.0.0.1
  port: ${port}
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  database: ""
  zonelistfile: "${dir}/zone.list"
  xfrdfile: "${dir}/xfrd.state"
  xfrdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  logfile: "${dir}/nsd.log"
  server-count: 1
  rrl-ratelimit: 0
remote-control:
  control-enable: yes
  control-interface: ${dir}/nsd.ctl
${Object.keys(zones)
  .map((z) => `zone:\n  name: "${z}"\n  zonefile: "${z}.zone"\n`)
  .join('')}`,
  );
  const child: ChildProcess = spawn(bin, ['-d', '-c', conf], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const client = new DNS({ nameServers: ['127.0.0.1'], port, timeout: 300 });
  const serialOf = async (zone: string): Promise<number | null> => {
    try {
      const p = (await client.resolve(zone, 'SOA')) as unknown as { answers: { serial?: number }[] };
      return p.answers[0]?.serial ?? null;
    } catch {
      return null;
    }
  };
  const first = Object.keys(zones)[0];
  const deadline = Date.now() + 10_000;
  while ((await serialOf(first)) !== serials.get(first)) {
    if (exited || Date.now() > deadline) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      throw new Error(
        `nsd did not answer on 127.0.0.1:${port}: ${stderr.trim()} ${fs.existsSync(`${dir}/nsd.log`) ? fs.readFileSync(`${dir}/nsd.log`, 'utf8').slice(-500) : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    dir,
    async setZone(zone, records) {
      writeZone(zone, records);
      execFileSync(control, ['-c', conf, 'reload', zone], { stdio: 'pipe' });
      // During a reload the old server process may still answer a query or two after the new
      // one serves the new serial: wait until ten answers in a row (200 ms) carry the new serial.
      const until = Date.now() + 5000;
      let inARow = 0;
      while (inARow < 10) {
        inARow = (await serialOf(zone)) === serials.get(zone) ? inARow + 1 : 0;
        if (inARow === 0 && Date.now() > until) throw new Error(`nsd did not serve serial ${serials.get(zone)} of ${zone}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (!exited && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 3000);
        await exit;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
