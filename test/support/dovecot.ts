// A private Dovecot on 127.0.0.1 for integration tests and the preflight bench.
// Config, cert, users and mail live in a short mkdtemp dir (UNIX socket paths must stay short);
// nothing from /etc/dovecot is read. Spawned detached so stop() can signal the whole group.

import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from './ports';
import { ExpectedMailbox, FixtureUser, writeMailbox } from './mailFixtures';
import { selfSignedCertificate } from './tls';

export type { FixtureUser, ExpectedMailbox } from './mailFixtures';

const DOVECOT_CANDIDATES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];
const LDA_CANDIDATES = ['/usr/lib/dovecot/dovecot-lda', '/usr/libexec/dovecot/dovecot-lda'];

function findBinary(candidates: string[], name: string): string | null {
  for (const c of candidates) if (fs.existsSync(c)) return c;
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export function dovecotAvailable(): boolean {
  return findBinary(DOVECOT_CANDIDATES, 'dovecot') !== null;
}

/**
 * For test files: returns jest's `describe` or `describe.skip`. Missing Dovecot fails the run
 * on CI (CI=true) and is skipped loudly elsewhere.
 */
export function describeWithDovecot(): jest.Describe {
  if (dovecotAvailable()) return describe;
  const msg = 'Dovecot is not installed: the IMAP preflight integration tests need it. Install with `apt-get install -y dovecot-imapd`.';
  if (process.env.CI === 'true') {
    // A describe whose single test fails with the reason.
    return ((name: string) =>
      describe(name, () => {
        test('dovecot is installed', () => {
          throw new Error(msg);
        });
      })) as unknown as jest.Describe;
  }
  console.warn(`\n\n!!!!!!!! SKIPPED: ${msg} !!!!!!!!\n`);
  return describe.skip;
}

export interface DovecotOptions {
  users?: FixtureUser[];
  separator?: '/' | '.';
  /** maildir LAYOUT=fs: allows '.' in names with '/' as separator; implicit parents are \Noselect. */
  layoutFs?: boolean;
  /** Advertise neither LIST-STATUS nor STATUS=SIZE (an older server). */
  hideListStatus?: boolean;
  /** Keep the temp dir after stop() (for looking at dovecot.log). */
  keepDir?: boolean;
}

export interface DovecotInstance {
  host: string;
  imapPort: number;
  imapsPort: number;
  /** PEM of the self-signed certificate (CN=localhost, SAN localhost + 127.0.0.1). */
  caCert: string;
  dir: string;
  masterUser: string;
  masterPassword: string;
  /** What each populated user holds, keyed by login. */
  expected: Map<string, ExpectedMailbox>;
  /** Adds a login (and optionally writes its mailbox; only for users without an open session). */
  addUser(user: FixtureUser | { login: string; password: string }): ExpectedMailbox | null;
  /** Delivers one message through dovecot-lda, as a mail server would. The folder must exist. */
  deliver(user: string, folder: string, rawMessage: Buffer | string): void;
  stop(): Promise<void>;
}

const MASTER_USER = 'migadmin';
const MASTER_PASSWORD = 'master-pw-fixture';

function runAs(): { user: string; group: string } {
  if (process.getuid && process.getuid() === 0) return { user: 'mail', group: 'mail' };
  const info = os.userInfo();
  const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  return { user: info.username, group };
}

function renderConfig(v: {
  dir: string;
  name: string;
  user: string;
  group: string;
  sep: string;
  imapPort: number;
  imapsPort: number;
  layoutFs: boolean;
  hideListStatus: boolean;
}): string {
  const layout = v.layoutFs ? ':LAYOUT=fs' : '';
  const caps = v.hideListStatus
    ? 'imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ NAMESPACE UIDPLUS CHILDREN UNSELECT ESEARCH\n'
    : '';
  return `protocols = imap
listen = 127.0.0.1
base_dir = ${v.dir}/run
state_dir = ${v.dir}/state
instance_name = ${v.name}
log_path = ${v.dir}/dovecot.log
info_log_path = ${v.dir}/dovecot.log

default_internal_user = ${v.user}
default_login_user = ${v.user}
default_internal_group = ${v.group}
mail_uid = ${v.user}
mail_gid = ${v.group}
first_valid_uid = 1
first_valid_gid = 1

ssl = yes
ssl_cert = <${v.dir}/cert.pem
ssl_key = <${v.dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_master_user_separator = *
auth_failure_delay = 0
auth_verbose = yes
mail_max_userip_connections = 100
${caps}
mail_location = maildir:${v.dir}/mail/%u${layout}

namespace inbox {
  inbox = yes
  separator = ${v.sep}
}

passdb {
  driver = passwd-file
  master = yes
  args = scheme=PLAIN username_format=%u ${v.dir}/master.passwd
  result_success = continue
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${v.dir}/users.passwd
}
userdb {
  driver = static
  args = home=${v.dir}/mail/%u
}

# High-performance mode (Dovecot's own term): login and mail processes serve connection after
# connection instead of one fork and exec each. A real source server runs on its own machine; here
# it shares the bot's cores, and a process per connection made the peer cost more than the bot.
service imap-login {
  chroot =
  service_count = 0
  process_min_avail = 2
  inet_listener imap {
    address = 127.0.0.1
    port = ${v.imapPort}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${v.imapsPort}
    ssl = yes
  }
}
service imap {
  service_count = 0
  process_min_avail = 2
}
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`;
}

function readGreeting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\n')) done(buf.startsWith('* OK'));
    });
    s.on('error', () => done(false));
  });
}

export async function startDovecot(opts: DovecotOptions = {}): Promise<DovecotInstance> {
  const bin = findBinary(DOVECOT_CANDIDATES, 'dovecot');
  if (!bin) throw new Error('dovecot is not installed (apt-get install -y dovecot-imapd)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dc-'));
  const name = `cutover-${path.basename(dir)}`;
  const { user, group } = runAs();
  for (const sub of ['run', 'state', 'mail']) fs.mkdirSync(path.join(dir, sub));
  selfSignedCertificate(dir, 'localhost', 'DNS:localhost,IP:127.0.0.1');
  fs.writeFileSync(path.join(dir, 'master.passwd'), `${MASTER_USER}:{PLAIN}${MASTER_PASSWORD}\n`);
  fs.writeFileSync(path.join(dir, 'users.passwd'), '');
  if (process.getuid && process.getuid() === 0) {
    // Root starts the master; auth and mail processes run as `user` and must reach these.
    fs.chmodSync(dir, 0o755);
    execFileSync('chown', [`${user}:${group}`, path.join(dir, 'master.passwd'), path.join(dir, 'users.passwd')]);
  }
  const layoutFs = opts.layoutFs ?? false;
  const expected = new Map<string, ExpectedMailbox>();
  const chownMail = () => {
    if (process.getuid && process.getuid() === 0) execFileSync('chown', ['-R', `${user}:${group}`, path.join(dir, 'mail')]);
  };
  const addUser = (u: FixtureUser | { login: string; password: string }, chown = true): ExpectedMailbox | null => {
    if (/[:\n]/.test(u.login) || /\n/.test(u.password)) throw new Error('addUser: login/password cannot hold ":" or newlines');
    fs.appendFileSync(path.join(dir, 'users.passwd'), `${u.login}:{PLAIN}${u.password}\n`);
    if (!('folders' in u)) return null;
    const exp = writeMailbox(path.join(dir, 'mail'), u, { layoutFs });
    expected.set(u.login, exp);
    if (chown) chownMail();
    return exp;
  };
  // The starting users' mailboxes are handed to the mail user once (not after each: 2,000 users made that quadratic).
  for (const u of opts.users ?? []) addUser(u, false);
  chownMail();

  const [imapPort, imapsPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(
    conf,
    renderConfig({ dir, name, user, group, sep: opts.separator ?? '/', imapPort, imapsPort, layoutFs, hideListStatus: opts.hideListStatus ?? false }),
  );

  const child: ChildProcess = spawn(bin, ['-F', '-c', conf], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const killTimer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 3000);
    await exitPromise;
    clearTimeout(killTimer);
    if (!opts.keepDir) fs.rmSync(dir, { recursive: true, force: true });
  };

  // Ready = "* OK" greeting on the plain port; race it against an early exit (e.g. 89, port taken).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) {
      const log = fs.existsSync(path.join(dir, 'dovecot.log')) ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : '';
      throw new Error(`dovecot exited early (${JSON.stringify(exited)}): ${stderr.trim()} ${log.split('\n').slice(-5).join(' ')}`);
    }
    if (await Promise.race([readGreeting(imapPort), exitPromise.then(() => false)])) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dovecot did not greet on 127.0.0.1:${imapPort} within 10 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  const lda = findBinary(LDA_CANDIDATES, 'dovecot-lda');
  return {
    host: '127.0.0.1',
    imapPort,
    imapsPort,
    caCert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    dir,
    masterUser: MASTER_USER,
    masterPassword: MASTER_PASSWORD,
    expected,
    addUser: (u) => addUser(u),
    deliver(login, folder, raw) {
      if (!lda) throw new Error('dovecot-lda not found');
      const r = spawnSync(lda, ['-c', conf, '-d', login, '-m', folder], { input: raw });
      if (r.status !== 0) throw new Error(`dovecot-lda exited ${r.status}: ${r.stderr?.toString().trim()}`);
    },
    stop,
  };
}

/** A folder's messages as the master user sees them (subject, flags, internal date), for tests that compare mailboxes. */
export async function mailboxView(dc: DovecotInstance, email: string, folder: string): Promise<{ subject: string; flags: string[]; internalDate: Date }[]> {
  const c = new ImapFlow({
    host: dc.host,
    port: dc.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: `${email}*${dc.masterUser}`, pass: dc.masterPassword },
    logger: false,
  });
  c.on('error', () => undefined);
  await c.connect();
  try {
    const box = await c.mailboxOpen(folder, { readOnly: true });
    if (box.exists === 0) return [];
    const msgs = await c.fetchAll('1:*', { envelope: true, flags: true, internalDate: true });
    return msgs.map((m) => ({ subject: m.envelope?.subject ?? '', flags: [...(m.flags ?? [])], internalDate: new Date(m.internalDate as unknown as string) }));
  } finally {
    await c.logout();
  }
}
