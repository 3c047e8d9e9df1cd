// Turns a chat message into a typed command. Pure: no I/O, no Teams types.
// The first line is the command; anything after it is the pasted CSV for `batch new`.

import type { EndpointSecurity } from '../domain/exchange/types';
import { parseSize } from '../domain/sizes';

export type Command =
  | { kind: 'help' }
  | { kind: 'endpoint.list' }
  | { kind: 'endpoint.add'; name: string; host: string; port: number; security: EndpointSecurity }
  | { kind: 'endpoint.test'; name: string }
  | { kind: 'endpoint.remove'; name: string }
  | { kind: 'batch.new'; name: string; endpoint?: string; excludeFolders: string[]; pastedCsv?: string; start?: string }
  | { kind: 'batch.list' }
  | { kind: 'batch.show' | 'batch.start' | 'batch.stop' | 'batch.sync' | 'batch.remove'; name: string }
  | { kind: 'user.show' | 'user.report' | 'user.remove' | 'user.history'; email: string }
  | { kind: 'batch.history'; name?: string }
  | { kind: 'mailbox.show'; email: string }
  | { kind: 'mailbox.limit'; email: string; bytes: number }
  | { kind: 'audit'; limit: number }
  | { kind: 'guide'; client?: string }
  | { kind: 'guide.status'; batch?: string }
  | { kind: 'guide.send'; batch: string }
  | { kind: 'subscribe' | 'unsubscribe'; target: { all: true } | { batch: string } }
  | { kind: 'subscriptions' }
  | { kind: 'status' }
  | { kind: 'schedule' }
  | { kind: 'import' }
  | { kind: 'cutover.check'; domain: string }
  | { kind: 'cutover.plan'; batch: string; domain?: string; switchAt?: string; pastedCsv?: string }
  | { kind: 'cutover.delta' | 'cutover.proof'; batch: string }
  | { kind: 'preflight'; endpoint?: string; excludeFolders: string[]; pastedCsv?: string }
  | {
      kind: 'csv.build';
      format: 'dovecot' | 'exchange' | 'mirapoint' | 'courier' | 'custom';
      batchName: string;
      endpoint?: string;
      separator?: string;
      pastedAddresses?: string;
    };

export type ParseResult = { ok: true; command: Command } | { ok: false; family: string | null; verb?: string; problem: string };

/** Splits on spaces, keeping "quoted words" together. */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) tokens.push(m[1] ?? m[2] ?? m[3] ?? '');
  return tokens;
}

// Every regex here runs on text a person typed (up to a whole message): each must be
// linear in its input. An address is checked in parts rather than with one pattern like
// /^[^@]+@[^@]+\.[^@]+$/, which backtracks quadratically on "a@a.a.a.a…@".
const ADDRESS_PART = /^[^\s@<>(),;:"]+$/;

/** local@domain.tld: one @, no spaces or brackets, a dot inside the domain. */
function isAddress(v: string): boolean {
  const at = v.indexOf('@');
  if (at <= 0 || v.indexOf('@', at + 1) >= 0) return false;
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  const dot = domain.indexOf('.', 1);
  return dot > 0 && dot < domain.length - 1 && ADDRESS_PART.test(local) && ADDRESS_PART.test(domain);
}
// Exchange batch names: up to 64 characters; we keep them to characters that survive chat and URLs.
const BATCH_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$/;

/** A typed value quoted back in an answer: at most 80 characters. */
function clip(v: string): string {
  return v.length <= 80 ? v : `${v.slice(0, 79)}…`;
}

const MAX_COMMAND_LINE = 4096;

function fail(family: string | null, problem: string, verb?: string): ParseResult {
  return { ok: false, family, verb, problem };
}

function email(family: string, verb: string, value: string | undefined): string | ParseResult {
  if (!value) return fail(family, 'Give the email address of the user.', verb);
  const v = value.replace(/^mailto:/i, '').trim();
  if (!isAddress(v)) return fail(family, `"${clip(v)}" is not an email address.`, verb);
  return v.toLowerCase();
}

function batchName(verb: string, value: string | undefined): string | ParseResult {
  if (!value) return fail('batch', 'Give the batch name.', verb);
  if (!BATCH_NAME.test(value)) {
    return fail(
      'batch',
      `"${clip(value)}" can't be a batch name: use up to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.`,
      verb,
    );
  }
  return value;
}

export function parseCommand(text: string): ParseResult {
  const normalized = text.replace(/\r\n?/g, '\n');
  const newline = normalized.indexOf('\n');
  const firstLine = (newline === -1 ? normalized : normalized.slice(0, newline)).trim();
  const rest = newline === -1 ? '' : normalized.slice(newline + 1);
  // No command line is this long; say so rather than tokenize a megabyte.
  if (firstLine.length > MAX_COMMAND_LINE) {
    return fail(
      null,
      `The first line is ${firstLine.length.toLocaleString('en-US')} characters long; a command fits on one short line (a CSV goes on the lines under it, or attached).`,
    );
  }
  const tokens = tokenize(firstLine);
  if (tokens.length === 0) return fail(null, 'Type a command, for example `help`.');
  const family = tokens[0].toLowerCase();
  const verb = tokens[1]?.toLowerCase();
  const args = tokens.slice(2);

  switch (family) {
    case 'help':
    case '?':
      return { ok: true, command: { kind: 'help' } };

    case 'endpoint':
    case 'endpoints': {
      if (verb === undefined || verb === 'list') return { ok: true, command: { kind: 'endpoint.list' } };
      if (verb === 'add') {
        const [name, host, portOrSec, sec] = args;
        if (!name || !host) return fail('endpoint', 'Give the endpoint name and the IMAP host.', verb);
        if (!ENDPOINT_NAME.test(name))
          return fail('endpoint', `"${clip(name)}" can't be an endpoint name: use letters, digits, spaces, dots, dashes or underscores.`, verb);
        if (!HOST.test(host)) return fail('endpoint', `"${clip(host)}" is not a host name or IP address.`, verb);
        let port = 993;
        let security: EndpointSecurity = 'Ssl';
        let secWord = sec;
        if (portOrSec !== undefined) {
          if (/^\d+$/.test(portOrSec)) {
            port = Number(portOrSec);
            if (port < 1 || port > 65535) return fail('endpoint', `Port ${portOrSec} is out of range (1–65535).`, verb);
            // Port 143 speaks STARTTLS by convention; 993 implicit TLS.
            if (sec === undefined) security = port === 143 ? 'Tls' : 'Ssl';
          } else {
            secWord = portOrSec;
            if (args.length > 3) return fail('endpoint', `Unexpected "${clip(args[3])}".`, verb);
          }
        }
        if (secWord !== undefined) {
          const s = secWord.toLowerCase();
          if (s === 'ssl') security = 'Ssl';
          else if (s === 'tls' || s === 'starttls') security = 'Tls';
          else if (s === 'none' || s === 'plain') security = 'None';
          else return fail('endpoint', `Security must be ssl (implicit TLS, usually 993), tls (STARTTLS, usually 143) or none; not "${clip(secWord)}".`, verb);
        }
        return { ok: true, command: { kind: 'endpoint.add', name, host: host.toLowerCase(), port, security } };
      }
      if (verb === 'test' || verb === 'remove') {
        const name = args.join(' ');
        if (!name) return fail('endpoint', 'Give the endpoint name.', verb);
        return { ok: true, command: { kind: verb === 'test' ? 'endpoint.test' : 'endpoint.remove', name } };
      }
      return fail('endpoint', `"${clip(verb)}" is not an endpoint command.`);
    }

    case 'batch':
    case 'batches': {
      if (verb === undefined || verb === 'list') return { ok: true, command: { kind: 'batch.list' } };
      if (verb === 'new' || verb === 'create') {
        const name = batchName('new', args[0]);
        if (typeof name !== 'string') return name;
        let endpoint: string | undefined;
        let excludeFolders: string[] = [];
        let start: string | undefined;
        for (let i = 1; i < args.length; i++) {
          const word = args[i].toLowerCase();
          if (word === 'start') {
            // start <when>: the words up to the next keyword ("tomorrow 22:00", "2026-12-31T22:00Z"); read with the admin's time zone later.
            const when: string[] = [];
            while (i + 1 < args.length && !['endpoint', 'exclude'].includes(args[i + 1].toLowerCase())) when.push(args[++i]);
            if (when.length === 0) return fail('batch', 'Give the start time after "start": 2026-12-31T22:00Z, tomorrow 22:00 or fri 19:30.', 'new');
            start = when.join(' ');
          } else if (word === 'endpoint') {
            endpoint = args[++i];
            if (!endpoint) return fail('batch', 'Give the endpoint name after "endpoint".', 'new');
          } else if (word === 'exclude') {
            // Folder names may hold spaces when quoted: exclude "Deleted Items",Junk
            const list: string[] = [];
            while (i + 1 < args.length && !['endpoint', 'start'].includes(args[i + 1].toLowerCase())) list.push(args[++i]);
            excludeFolders = list
              .join(' ')
              .split(',')
              .map((f) => f.trim())
              .filter(Boolean);
            if (excludeFolders.length === 0) return fail('batch', 'Give the folders after "exclude", separated by commas.', 'new');
          } else {
            return fail('batch', `Unexpected "${clip(args[i])}".`, 'new');
          }
        }
        const pastedCsv = rest.trim() === '' ? undefined : rest;
        return { ok: true, command: { kind: 'batch.new', name, endpoint, excludeFolders, pastedCsv, ...(start ? { start } : {}) } };
      }
      if (verb === 'history') {
        if (args.length === 0) return { ok: true, command: { kind: 'batch.history' } };
        const name = batchName(verb, args[0]);
        if (typeof name !== 'string') return name;
        if (args.length > 1) return fail('batch', `Unexpected "${clip(args[1])}".`, verb);
        return { ok: true, command: { kind: 'batch.history', name } };
      }
      if (['show', 'start', 'stop', 'sync', 'remove'].includes(verb)) {
        const name = batchName(verb, args[0]);
        if (typeof name !== 'string') return name;
        if (args.length > 1) return fail('batch', `Unexpected "${clip(args[1])}".`, verb);
        return { ok: true, command: { kind: `batch.${verb}` as 'batch.show', name } };
      }
      return fail('batch', `"${clip(verb)}" is not a batch command.`);
    }

    case 'user': {
      if (verb === 'show' || verb === 'report' || verb === 'remove' || verb === 'history') {
        const e = email('user', verb, args[0]);
        if (typeof e !== 'string') return e;
        return { ok: true, command: { kind: `user.${verb}` as 'user.show', email: e } };
      }
      return fail('user', verb ? `"${clip(verb)}" is not a user command.` : 'Say what to do with the user.');
    }

    case 'mailbox': {
      if (verb === 'show') {
        const e = email('mailbox', verb, args[0]);
        if (typeof e !== 'string') return e;
        return { ok: true, command: { kind: 'mailbox.show', email: e } };
      }
      if (verb === 'limit') {
        const e = email('mailbox', verb, args[0]);
        if (typeof e !== 'string') return e;
        const sizeText = args.slice(1).join('');
        if (!sizeText) return fail('mailbox', 'Give the new limit, for example 150MB.', verb);
        const size = parseSize(sizeText);
        if (!size.ok) return fail('mailbox', size.problem, verb);
        return { ok: true, command: { kind: 'mailbox.limit', email: e, bytes: size.bytes } };
      }
      return fail('mailbox', verb ? `"${clip(verb)}" is not a mailbox command.` : 'Say what to do with the mailbox.');
    }

    case 'subscribe':
    case 'unsubscribe': {
      // subscribe | subscribe all | subscribe batch <name> | subscribe <name>
      const words = tokens.slice(1);
      if (words.length === 0 || (words.length === 1 && words[0].toLowerCase() === 'all')) return { ok: true, command: { kind: family, target: { all: true } } };
      const named = words[0].toLowerCase() === 'batch' ? words.slice(1) : words;
      if (named.length > 1) return fail(family, `Unexpected "${clip(named[1])}".`, family);
      const n = batchName(family, named[0]);
      if (typeof n !== 'string') return fail(family, n.ok ? '' : n.problem, family);
      return { ok: true, command: { kind: family, target: { batch: n } } };
    }

    case 'subscriptions':
      return { ok: true, command: { kind: 'subscriptions' } };

    case 'status':
      if (tokens.length > 1) return fail('status', `Unexpected "${clip(tokens[1])}".`, 'status');
      return { ok: true, command: { kind: 'status' } };

    case 'schedule':
    case 'schedules':
      if (tokens.length > 1) return fail('schedule', `Unexpected "${clip(tokens[1])}".`, 'schedule');
      return { ok: true, command: { kind: 'schedule' } };

    case 'guide': {
      if (verb === undefined) return { ok: true, command: { kind: 'guide' } };
      if (verb === 'client') {
        if (!args[0]) return fail('guide', 'Say which mail program: outlook, new, mac or thunderbird.', verb);
        return { ok: true, command: { kind: 'guide', client: args[0] } };
      }
      if (verb === 'status') {
        if (args.length === 0) return { ok: true, command: { kind: 'guide.status' } };
        if (args[0].toLowerCase() !== 'batch') return fail('guide', `Unexpected "${clip(args[0])}".`, verb);
        const n = batchName('show', args[1]);
        if (typeof n !== 'string') return fail('guide', n.ok ? '' : n.problem, verb);
        return { ok: true, command: { kind: 'guide.status', batch: n } };
      }
      if (verb === 'send') {
        if (args[0]?.toLowerCase() !== 'batch') return fail('guide', 'Say which batch: guide send batch <name>.', verb);
        const n = batchName('show', args[1]);
        if (typeof n !== 'string') return fail('guide', n.ok ? '' : n.problem, verb);
        return { ok: true, command: { kind: 'guide.send', batch: n } };
      }
      return fail('guide', `"${clip(verb)}" is not a guide command.`);
    }

    case 'import':
      return { ok: true, command: { kind: 'import' } };

    case 'audit': {
      const n = verb === undefined ? 20 : Number(verb);
      if (!Number.isInteger(n) || n < 1 || n > 50) return fail('audit', 'Give how many entries to show, from 1 to 50.');
      return { ok: true, command: { kind: 'audit', limit: n } };
    }

    case 'csv': {
      if (verb !== 'build') return fail('csv', verb ? `"${clip(verb)}" is not a csv command.` : 'Say what to build.');
      const format = (args[0] ?? '').toLowerCase();
      if (!['dovecot', 'exchange', 'mirapoint', 'courier', 'custom'].includes(format)) {
        return fail('csv', `Say which source server: dovecot, exchange, mirapoint, courier or custom${args[0] ? ` (not "${clip(args[0])}")` : ''}.`, 'build');
      }
      let name: string | undefined;
      let endpoint: string | undefined;
      let separator: string | undefined;
      for (let i = 1; i < args.length; i++) {
        const w = args[i].toLowerCase();
        if (w === 'batch' && args[i + 1]) name = args[++i];
        else if (w === 'endpoint' && args[i + 1]) endpoint = args[++i];
        else if (w === 'separator' && args[i + 1]) separator = args[++i];
        else return fail('csv', `Unexpected "${clip(args[i])}".`, 'build');
      }
      const n = batchName('new', name);
      if (typeof n !== 'string') return fail('csv', n.ok ? '' : n.problem, 'build');
      if (separator !== undefined && !/^[^\s@]{1,3}$/.test(separator))
        return fail('csv', "The separator is one to three characters, like * (Dovecot's default).", 'build');
      return {
        ok: true,
        command: { kind: 'csv.build', format: format as 'dovecot', batchName: n, endpoint, separator, pastedAddresses: rest.trim() === '' ? undefined : rest },
      };
    }

    case 'preflight': {
      let endpoint: string | undefined;
      const rest2 = tokens.slice(1);
      for (let i = 0; i < rest2.length; i++) {
        if (rest2[i].toLowerCase() === 'endpoint' && rest2[i + 1]) endpoint = rest2[++i];
        else return fail('preflight', `Unexpected "${clip(rest2[i])}".`);
      }
      return { ok: true, command: { kind: 'preflight', endpoint, excludeFolders: [], pastedCsv: rest.trim() === '' ? undefined : rest } };
    }

    case 'cutover': {
      // cutover check <domain> | cutover plan|delta|proof batch <name> [domain <domain>]
      if (verb === 'check') {
        if (!args[0]) return fail('cutover', 'Give the domain, for example contoso.edu.', verb);
        return { ok: true, command: { kind: 'cutover.check', domain: args[0].toLowerCase() } };
      }
      if (verb === 'plan' || verb === 'delta' || verb === 'proof') {
        const name = batchName(verb, args[0]?.toLowerCase() === 'batch' ? args[1] : args[0]);
        if (typeof name !== 'string') return fail('cutover', name.ok ? '' : name.problem, verb);
        const more = args.slice(args[0]?.toLowerCase() === 'batch' ? 2 : 1);
        let domain: string | undefined;
        if (verb === 'plan' && more[0]?.toLowerCase() === 'domain' && more[1]) domain = more.splice(0, 2)[1].toLowerCase();
        // switch <when>: the rest of the line ("tomorrow 22:00"); read with the admin's time zone later.
        let switchAt: string | undefined;
        if (verb === 'plan' && more[0]?.toLowerCase() === 'switch') {
          switchAt = more.splice(0).slice(1).join(' ');
          if (!switchAt) return fail('cutover', 'Give the planned MX switch time after "switch": 2026-12-31T22:00Z, tomorrow 22:00 or fri 19:30.', verb);
        }
        if (more.length > 0) return fail('cutover', `Unexpected "${clip(more[0])}".`, verb);
        if (verb === 'plan')
          return { ok: true, command: { kind: 'cutover.plan', batch: name, domain, switchAt, pastedCsv: rest.trim() === '' ? undefined : rest } };
        return { ok: true, command: { kind: `cutover.${verb}` as 'cutover.delta', batch: name } };
      }
      return fail('cutover', verb ? `"${clip(verb)}" is not a cutover command.` : 'Say what to do: check, plan, delta or proof.');
    }

    default:
      return fail(null, `I don't know "${clip(tokens[0])}".`);
  }
}
