// Builds the IMAP migration CSV for a master-user (admin) migration: one admin credential
// opens every mailbox, so admins need not collect each user's password.
// UserName forms per source server (Exchange docs, "Migrate other types of IMAP mailboxes"):
//   Dovecot / SASL   user*admin            (separator configurable on the server)
//   Exchange         Domain/Admin/User
//   Mirapoint        #user@domain#Admin#
//   Courier / Oracle admin in UserName, /users/<user> in UserRoot (virtual shared folders)
//   custom           a pattern with {user} {localpart} {domain} {admin}
// The admin password goes into every row's Password and nowhere else (not in problems).

import { Secret } from '../secret';
import { MigrationCsvRow, serializeMigrationCsv } from './migrationCsv';

export type MasterUserFormat =
  | { kind: 'dovecot'; separator?: string }
  | { kind: 'exchange'; domain: string }
  | { kind: 'mirapoint' }
  | { kind: 'courier'; userRootPrefix?: string }
  | { kind: 'custom'; userNamePattern: string; userRootPattern?: string };

export type MasterUserFormatKind = MasterUserFormat['kind'];

export interface MasterUserCsvInput {
  /** Target (and source) addresses, one per migration user. */
  addresses: string[];
  admin: { userName: string; password: { reveal(): string } };
  format: MasterUserFormat;
  /** What {user} means in the login: the part before '@' (default) or the whole address. */
  sourceLogin?: 'localpart' | 'address';
}

export interface MasterUserCsvProblem {
  /** The address concerned, or null for the input as a whole. */
  address: string | null;
  message: string;
}

export type MasterUserCsvResult =
  | { ok: true; csv: Buffer; rows: number; sample: { emailAddress: string; userName: string; userRoot?: string }; problems: MasterUserCsvProblem[] }
  | { ok: false; problems: MasterUserCsvProblem[] };

const EMAIL = /^[^\s@,;"<>]+@[^\s@,;"<>]+\.[^\s@,;"<>]+$/;
const PLACEHOLDER = /\{([a-z]+)\}/g;
const KNOWN = new Set(['user', 'localpart', 'domain', 'admin']);

/** Splits pasted text or a one-column file into addresses (commas, semicolons, whitespace, newlines). */
export function parseAddressList(text: string): { addresses: string[]; problems: MasterUserCsvProblem[] } {
  const tokens = text
    .replace(/^\uFEFF/, '')
    .split(/[\s,;]+/)
    .map((t) => t.trim().replace(/^"|"$/g, '').replace(/^<|>$/g, ''))
    .filter((t) => t.length > 0 && !/^emailaddress$/i.test(t));
  const addresses: string[] = [];
  const problems: MasterUserCsvProblem[] = [];
  const seen = new Set<string>();
  for (const t of tokens) {
    if (!EMAIL.test(t)) {
      problems.push({ address: t, message: `"${t}" is not an email address; it was left out.` });
      continue;
    }
    if (seen.has(t.toLowerCase())) {
      problems.push({ address: t, message: `${t} is listed more than once; it is used once.` });
      continue;
    }
    seen.add(t.toLowerCase());
    addresses.push(t);
  }
  return { addresses, problems };
}

function fill(pattern: string, v: Record<string, string>): string {
  return pattern.replace(PLACEHOLDER, (_, name: string) => v[name] ?? `{${name}}`);
}

function formatProblems(format: MasterUserFormat, admin: string): string[] {
  const p: string[] = [];
  switch (format.kind) {
    case 'dovecot': {
      const sep = format.separator ?? '*';
      if (sep.length === 0) p.push('The Dovecot master-user separator cannot be empty (auth_master_user_separator, usually *).');
      else if (admin.includes(sep)) p.push(`The admin name contains the separator "${sep}"; Dovecot would split it in the wrong place.`);
      break;
    }
    case 'exchange':
      if (!format.domain.trim()) p.push('The Exchange format needs the source domain (Domain/Admin/User).');
      else if (format.domain.includes('/')) p.push('The domain cannot contain "/".');
      if (admin.includes('/')) p.push('The admin name cannot contain "/" in the Exchange format.');
      break;
    case 'mirapoint':
      if (admin.includes('#')) p.push('The admin name cannot contain "#" in the Mirapoint format.');
      break;
    case 'courier':
      break;
    case 'custom': {
      const used = [...format.userNamePattern.matchAll(PLACEHOLDER)].map((m) => m[1]);
      const unknown = [...new Set([...used, ...[...(format.userRootPattern ?? '').matchAll(PLACEHOLDER)].map((m) => m[1])])].filter((n) => !KNOWN.has(n));
      if (unknown.length) p.push(`Unknown placeholder(s) ${unknown.map((n) => `{${n}}`).join(', ')}; use {user}, {localpart}, {domain} or {admin}.`);
      const perUser = (s: string) => /\{(user|localpart)\}/.test(s);
      if (!perUser(format.userNamePattern) && !perUser(format.userRootPattern ?? '')) {
        p.push('The pattern must contain {user} or {localpart}, or every row would log in to the same mailbox.');
      }
      break;
    }
  }
  return p;
}

export function buildMasterUserCsv(input: MasterUserCsvInput): MasterUserCsvResult {
  const admin = input.admin.userName.trim();
  const problems: MasterUserCsvProblem[] = [];
  if (!admin) problems.push({ address: null, message: 'The admin user name is empty.' });
  if (input.admin.password.reveal().length === 0) problems.push({ address: null, message: 'The admin password is empty.' });
  for (const m of formatProblems(input.format, admin)) problems.push({ address: null, message: m });

  const rows: MigrationCsvRow[] = [];
  const seen = new Set<string>();
  const password = new Secret(input.admin.password.reveal());
  for (const raw of input.addresses) {
    const address = raw.trim();
    if (!EMAIL.test(address)) {
      problems.push({ address, message: `"${address}" is not an email address; it was left out.` });
      continue;
    }
    if (seen.has(address.toLowerCase())) {
      problems.push({ address, message: `${address} is listed more than once; it is used once.` });
      continue;
    }
    seen.add(address.toLowerCase());
    const at = address.lastIndexOf('@');
    const localpart = address.slice(0, at);
    const domain = address.slice(at + 1);
    const user = input.sourceLogin === 'address' ? address : localpart;
    let userName: string;
    let userRoot: string | undefined;
    const f = input.format;
    switch (f.kind) {
      case 'dovecot':
        userName = `${user}${f.separator ?? '*'}${admin}`;
        break;
      case 'exchange':
        userName = `${f.domain.trim()}/${admin}/${user}`;
        break;
      case 'mirapoint':
        userName = `#${address}#${admin}#`;
        break;
      case 'courier':
        userName = admin;
        userRoot = `${f.userRootPrefix ?? '/users/'}${user}`;
        break;
      case 'custom': {
        const v = { user, localpart, domain, admin };
        userName = fill(f.userNamePattern, v);
        userRoot = f.userRootPattern ? fill(f.userRootPattern, v) : undefined;
        break;
      }
    }
    rows.push({ rowNumber: rows.length + 1, line: rows.length + 2, emailAddress: address, userName, password, userRoot });
  }
  if (rows.length === 0) problems.push({ address: null, message: 'No valid addresses were given.' });
  const fatal = problems.some((p) => p.address === null);
  if (fatal) return { ok: false, problems };
  const first = rows[0];
  return {
    ok: true,
    csv: serializeMigrationCsv(rows),
    rows: rows.length,
    sample: { emailAddress: first.emailAddress, userName: first.userName, ...(first.userRoot ? { userRoot: first.userRoot } : {}) },
    problems,
  };
}
