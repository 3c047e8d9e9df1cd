// vCard 2.1 / 3.0 / 4.0 → Graph contact bodies. Each entry from the bounded reader goes
// through ical.js on its own (2.1 is first rewritten as 3.0: bare TYPE parameters,
// quoted-printable and CHARSET decoded), then mapped to Graph's contact resource.

import ICAL from 'ical.js';
import { readPim } from './reader';
import { dedupeKey, type PimItem, type PimParseResult, type PimSkipped } from './types';

function splitLine(line: string): { head: string; value: string } {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === ':' && !inQuote) return { head: line.slice(0, i), value: line.slice(i + 1) };
  }
  return { head: line, value: '' };
}

function decodeQuotedPrintable(value: string, charset: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(value.charCodeAt(i) & 0xff);
  }
  const buf = Buffer.from(bytes);
  try {
    return new TextDecoder(charset || 'utf-8', { fatal: true }).decode(buf);
  } catch {
    return new TextDecoder('windows-1252').decode(buf);
  }
}

/** vCard 2.1 lines rewritten so ical.js (3.0/4.0) reads them; 3.0/4.0 lines pass unchanged. */
export function normalizeVcardLines(lines: string[]): string[] {
  const version =
    lines
      .find((l) => /^VERSION:/i.test(l))
      ?.slice(8)
      .trim() ?? '3.0';
  if (version !== '2.1') return lines;
  return lines.map((line) => {
    if (/^(BEGIN|END):/i.test(line)) return line;
    if (/^VERSION:/i.test(line)) return 'VERSION:3.0';
    const { head, value } = splitLine(line);
    const [name, ...params] = head.split(';');
    let encoding = '';
    let charset = '';
    const types: string[] = [];
    const kept: string[] = [];
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) {
        if (/^quoted-printable$/i.test(p)) encoding = 'QUOTED-PRINTABLE';
        else if (/^(base64|b|8bit|7bit)$/i.test(p)) continue;
        else types.push(p.toUpperCase());
        continue;
      }
      const k = p.slice(0, eq).toUpperCase();
      const v = p.slice(eq + 1);
      if (k === 'ENCODING') encoding = v.toUpperCase();
      else if (k === 'CHARSET') charset = v;
      else if (k === 'TYPE') types.push(...v.split(',').map((t) => t.toUpperCase()));
      else kept.push(p);
    }
    let v = value;
    if (encoding === 'QUOTED-PRINTABLE') v = decodeQuotedPrintable(value, charset).replace(/\r\n|\r|\n/g, '\\n');
    // 2.1 has no comma lists: a comma is text, which 3.0 spells \,
    // (each comma, also in a run like ",,", which a match-the-character-before pattern would skip every second of).
    v = v.replace(/(?<!\\),/g, '\\,');
    if (types.length) kept.unshift(`TYPE=${types.join(',')}`);
    return `${[name, ...kept].join(';')}:${v}`;
  });
}

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(str).filter(Boolean).join(' ');
  return String(v).trim();
}

function typesOf(p: ICAL.Property): string[] {
  const t = p.getParameter('type') as unknown;
  const list = Array.isArray(t) ? t : typeof t === 'string' ? [t] : [];
  return list.flatMap((x) => String(x).toLowerCase().split(','));
}

function address(parts: unknown): Record<string, string> {
  const a = (Array.isArray(parts) ? parts : [parts]).map(str);
  const [pobox, ext, street, city, state, postalCode, countryOrRegion] = [...a, '', '', '', '', '', '', ''];
  return { street: [pobox, ext, street].filter(Boolean).join('\n'), city, state, postalCode, countryOrRegion };
}

export function vcardEntryToContact(
  lines: string[],
): { body: Record<string, unknown>; uid: string; label: string; notes: string[] } | { problem: string; label: string } {
  let comp: ICAL.Component;
  try {
    comp = new ICAL.Component(ICAL.parse(normalizeVcardLines(lines).join('\r\n') + '\r\n') as unknown as unknown[]);
  } catch (e) {
    const fnLine = lines.find((l) => /^FN[;:]/i.test(l));
    return { problem: `it could not be read (${String(e instanceof Error ? e.message : e).slice(0, 120)})`, label: fnLine ? splitLine(fnLine).value : '' };
  }
  const notes: string[] = [];
  const body: Record<string, unknown> = {};
  const n = comp.getFirstPropertyValue('n') as unknown;
  const nParts = (Array.isArray(n) ? n : n ? [n] : []).map(str);
  const [surname, givenName, middleName, title] = [...nParts, '', '', '', ''];
  const fn = str(comp.getFirstPropertyValue('fn'));
  const org = comp.getFirstPropertyValue('org') as unknown;
  const orgParts = (Array.isArray(org) ? org : org ? [org] : []).map(str);
  const emails = comp
    .getAllProperties('email')
    .map((p) => str(p.getFirstValue()))
    .filter(Boolean);
  const displayName = fn || [givenName, middleName, surname].filter(Boolean).join(' ') || orgParts[0] || emails[0] || '';
  if (givenName) body.givenName = givenName;
  if (surname) body.surname = surname;
  if (middleName) body.middleName = middleName;
  if (title) body.title = title;
  if (displayName) body.displayName = displayName;
  if (orgParts[0]) body.companyName = orgParts[0];
  if (orgParts[1]) body.department = orgParts[1];
  const jobTitle = str(comp.getFirstPropertyValue('title'));
  if (jobTitle) body.jobTitle = jobTitle;
  const nick = str(comp.getFirstPropertyValue('nickname'));
  if (nick) body.nickName = nick;
  // Graph keeps three e-mail addresses per contact; the rest go into the notes.
  if (emails.length) body.emailAddresses = emails.slice(0, 3).map((address) => ({ address, name: displayName || address }));
  const extra: string[] = [];
  if (emails.length > 3) {
    extra.push(`Other e-mail: ${emails.slice(3).join(', ')}`);
    notes.push(`${emails.length - 3} e-mail address(es) beyond Outlook's three are in the notes`);
  }
  const business: string[] = [];
  const home: string[] = [];
  const phones: string[] = [];
  for (const p of comp.getAllProperties('tel')) {
    const num = str(p.getFirstValue()).replace(/^tel:/i, '');
    if (!num) continue;
    phones.push(num);
    const t = typesOf(p);
    if (t.includes('fax')) extra.push(`Fax: ${num}`);
    else if ((t.includes('cell') || t.includes('mobile') || t.includes('iphone')) && !body.mobilePhone) body.mobilePhone = num;
    else if (t.includes('home')) home.push(num);
    else business.push(num);
  }
  if (business.length) body.businessPhones = business;
  if (home.length) body.homePhones = home;
  for (const p of comp.getAllProperties('adr')) {
    const t = typesOf(p);
    const key = t.includes('work') ? 'businessAddress' : t.includes('home') ? 'homeAddress' : 'otherAddress';
    if (body[key]) extra.push(`Address: ${Object.values(address(p.getFirstValue())).filter(Boolean).join(', ')}`);
    else body[key] = address(p.getFirstValue());
  }
  const bday = comp.getFirstPropertyValue('bday') as unknown as { year?: number | null; month?: number | null; day?: number | null } | string | null;
  if (bday && typeof bday === 'object' && bday.month && bday.day) {
    // Outlook stores birthdays at noon so no time zone moves them a day; 1604 means "no year".
    const y = bday.year ?? 1604;
    body.birthday = `${String(y).padStart(4, '0')}-${String(bday.month).padStart(2, '0')}-${String(bday.day).padStart(2, '0')}T11:59:00Z`;
  }
  const url = str(comp.getFirstPropertyValue('url'));
  if (url) body.businessHomePage = url;
  const cats = comp
    .getAllProperties('categories')
    .flatMap((p) => p.getValues().map(str))
    .filter(Boolean);
  if (cats.length) body.categories = [...new Set(cats)];
  const note = str(comp.getFirstPropertyValue('note'));
  const personal = [note, ...extra].filter(Boolean).join('\n');
  if (personal) body.personalNotes = personal;
  if (!displayName && !emails.length && !phones.length) return { problem: 'it has no name, e-mail address or phone number', label: '' };
  const uid = str(comp.getFirstPropertyValue('uid'));
  return { body, uid, label: displayName || emails[0] || phones[0], notes };
}

export function parseVcards(bytes: Buffer): PimParseResult {
  const read = readPim(bytes, 'VCARD');
  if (!read.ok) return { ok: false, problem: read.problem };
  const items: PimItem[] = [];
  const skipped: PimSkipped[] = [];
  for (const e of read.entries) {
    const fnLine = e.lines.find((l) => /^FN[;:]/i.test(l));
    if (e.problem) {
      skipped.push({ index: e.index, label: fnLine ? splitLine(fnLine).value.slice(0, 80) : '', reason: e.problem });
      continue;
    }
    const r = vcardEntryToContact(e.lines);
    if ('problem' in r) {
      skipped.push({ index: e.index, label: r.label.slice(0, 80), reason: r.problem });
      continue;
    }
    const emails = ((r.body.emailAddresses as { address: string }[] | undefined) ?? []).map((x) => x.address.toLowerCase()).sort();
    const phones = [r.body.mobilePhone, ...((r.body.businessPhones as string[]) ?? []), ...((r.body.homePhones as string[]) ?? [])]
      .filter(Boolean)
      .map((p) => String(p).replace(/[^\d+]/g, ''))
      .sort();
    const key = dedupeKey('contact', r.uid ? [`uid:${r.uid}`] : [String(r.body.displayName ?? '').toLowerCase(), ...emails, ...phones]);
    items.push({ index: e.index, key, label: r.label.slice(0, 80), body: r.body, notes: [...r.notes, ...(e.dropped.length ? ['photo left out'] : [])] });
  }
  return { ok: true, kind: 'contacts', items, skipped, notes: read.notes, overLimit: read.overLimit };
}
