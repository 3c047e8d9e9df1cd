// How a migration CSV's bytes are read: which text encoding and which separator.
// Excel writes what the admin's locale says: "CSV UTF-8" (comma, BOM), "CSV" in a
// European locale (semicolons, Windows-1252 "ANSI"), "Unicode text" (UTF-16 LE, BOM,
// tabs). Cutover reads each of them; what goes to Exchange is always the comma-separated
// UTF-8 file it documents (serializeMigrationCsv). Pure: bytes in, text and a reading out.
//
// The guess is sure when the file says so (a BOM, valid UTF-8, a header whose names split
// on one separator). It is a guess worth asking about when the bytes are not UTF-8 and
// some of them read, in Windows-1252, as symbols rather than letters (Central European
// text saved in Windows-1250 does: "ł" is "³" in Windows-1252): the card then offers the
// readings that fit, and the admin's choice is kept with the sealed upload.

import { isUtf8 } from 'node:buffer';
import { firstInvalidUtf8Offset, lineAtByte, parseCsv } from './parseCsv';

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'windows-1250';
export type CsvSeparator = ',' | ';' | '\t';

export const CSV_ENCODINGS: readonly CsvEncoding[] = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'windows-1250'];
export const CSV_SEPARATORS: readonly CsvSeparator[] = [',', ';', '\t'];

/** What the admin picked on the card; either part may be left to detection. */
export interface CsvReadingChoice {
  encoding?: CsvEncoding;
  separator?: CsvSeparator;
}

export interface CsvReading {
  encoding: CsvEncoding;
  /** The file starts with a byte order mark. */
  bom: boolean;
  separator: CsvSeparator;
  /** Other encodings that fit these bytes as well (empty: the encoding is sure, or was chosen). */
  encodingAlternatives: CsvEncoding[];
  /** Other separators the header line could be split on (empty: sure, or chosen). */
  separatorAlternatives: CsvSeparator[];
}

export type DecodedCsv =
  | { ok: true; text: string; encoding: CsvEncoding; bom: boolean; alternatives: CsvEncoding[] }
  | { ok: false; encoding: CsvEncoding; line: number; message: string };

const ENCODING_LABEL: Record<CsvEncoding, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16 LE',
  'utf-16be': 'UTF-16 BE',
  'windows-1252': 'Windows-1252',
  'windows-1250': 'Windows-1250',
};
const ENCODING_HINT: Record<CsvEncoding, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16 LE (Excel "Unicode text")',
  'utf-16be': 'UTF-16 BE',
  'windows-1252': 'Windows-1252 (Western European ANSI)',
  'windows-1250': 'Windows-1250 (Central European ANSI)',
};
const SEPARATOR_LABEL: Record<CsvSeparator, string> = { ',': 'commas', ';': 'semicolons', '\t': 'tabs' };
const KNOWN_COLUMNS = new Set(['emailaddress', 'username', 'password', 'userroot']);

export function isCsvEncoding(x: unknown): x is CsvEncoding {
  return typeof x === 'string' && (CSV_ENCODINGS as readonly string[]).includes(x);
}

export function isCsvSeparator(x: unknown): x is CsvSeparator {
  return typeof x === 'string' && (CSV_SEPARATORS as readonly string[]).includes(x);
}

export function encodingLabel(e: CsvEncoding, long = false): string {
  return long ? ENCODING_HINT[e] : ENCODING_LABEL[e];
}

export function separatorLabel(s: CsvSeparator): string {
  return SEPARATOR_LABEL[s];
}

/** "semicolons, Windows-1252" (", with BOM" for UTF-8 with a byte order mark). */
export function describeReading(r: Pick<CsvReading, 'encoding' | 'bom' | 'separator'>): string {
  const bom = r.bom && r.encoding === 'utf-8' ? ' with BOM' : '';
  return `${SEPARATOR_LABEL[r.separator]}, ${ENCODING_LABEL[r.encoding]}${bom}`;
}

/** True when the card should ask which reading is right. */
export function isAmbiguous(r: CsvReading): boolean {
  return r.encodingAlternatives.length > 0 || r.separatorAlternatives.length > 0;
}

/**
 * The text of the file. A BOM decides (UTF-8, UTF-16 LE/BE); otherwise valid UTF-8 is
 * UTF-8, and anything else is Windows-1252, the ANSI code page of Western European Excel.
 * A chosen encoding is used as is (UTF-8 and UTF-16 strictly: no byte is ever replaced
 * by U+FFFD, which would silently change a password).
 */
export function decodeCsvBytes(bytes: Uint8Array, chosen?: CsvEncoding): DecodedCsv {
  const b = bytes;
  const bomOf: CsvEncoding | null =
    b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf
      ? 'utf-8'
      : b.length >= 2 && b[0] === 0xff && b[1] === 0xfe
        ? 'utf-16le'
        : b.length >= 2 && b[0] === 0xfe && b[1] === 0xff
          ? 'utf-16be'
          : null;
  let encoding: CsvEncoding;
  let alternatives: CsvEncoding[] = [];
  if (chosen) encoding = chosen;
  else if (bomOf) encoding = bomOf;
  else if (isUtf8(b)) encoding = 'utf-8';
  else {
    encoding = 'windows-1252';
    if (hasNonLetterHighByte(b)) alternatives = ['windows-1250'];
  }
  const bom = bomOf !== null && bomOf === encoding;
  const body = bom ? b.subarray(encoding === 'utf-8' ? 3 : 2) : b;
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    if (body.length % 2 !== 0) {
      return { ok: false, encoding, line: 1, message: `The file is not valid ${ENCODING_LABEL[encoding]}: it has an odd number of bytes.` };
    }
  }
  try {
    const text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
    return { ok: true, text, encoding, bom, alternatives };
  } catch {
    const line = encoding === 'utf-8' ? lineAtByte(body, Math.max(0, firstInvalidUtf8Offset(body))) : 1;
    return {
      ok: false,
      encoding,
      line,
      message:
        encoding === 'utf-8'
          ? `The file is not valid UTF-8 (line ${line} has bytes that are not part of a UTF-8 character).`
          : `The file is not valid ${ENCODING_LABEL[encoding]} text.`,
    };
  }
}

/**
 * The separator: the one that splits the header line into the most migration column names
 * (EmailAddress, UserName, Password, UserRoot). Without a recognisable header, the one the
 * first line holds most often (comma when none). Alternatives are the other separators the
 * line holds, offered only when the header is not fully recognised.
 */
export function detectSeparator(text: string, chosen?: CsvSeparator): { separator: CsvSeparator; alternatives: CsvSeparator[] } {
  if (chosen) return { separator: chosen, alternatives: [] };
  const line = firstLine(text);
  const present = CSV_SEPARATORS.filter((s) => line.includes(s));
  const scores = CSV_SEPARATORS.map((s) => ({ s, score: knownNames(line, s) }));
  const best = Math.max(...scores.map((x) => x.score));
  const top = scores.filter((x) => x.score === best).map((x) => x.s);
  if (best >= 1 && top.length === 1) {
    const separator = top[0];
    // Every required column found: sure. Otherwise the other separators in the line are worth offering.
    return { separator, alternatives: best >= 3 ? [] : present.filter((s) => s !== separator) };
  }
  const byCount = (best >= 1 ? top : CSV_SEPARATORS.slice()).map((s) => ({ s, n: count(line, s) })).sort((a, b) => b.n - a.n);
  const separator = byCount[0].n > 0 ? byCount[0].s : ',';
  return { separator, alternatives: best >= 1 ? present.filter((s) => s !== separator) : [] };
}

/** Bytes → text and the reading used (chosen parts win over detection). */
export function readCsvBytes(
  bytes: Uint8Array,
  choice: CsvReadingChoice = {},
): { ok: true; text: string; reading: CsvReading } | Extract<DecodedCsv, { ok: false }> {
  const decoded = decodeCsvBytes(bytes, choice.encoding);
  if (!decoded.ok) return decoded;
  let text = decoded.text;
  // Excel's own hint line ("sep=;", added so Excel opens the file right) names the separator.
  // It is blanked, not removed, so every line number stays the file's.
  const hint = /^([ \t]*(?:\r\n?|\n))*[ \t]*sep=([,;\t])[ \t]*(?=\r|\n|$)/i.exec(text.slice(0, 4096));
  let sep = detectSeparator(text, choice.separator);
  if (hint) {
    const end = hint[0].length;
    text = hint[0].replace(/[^\r\n]+$/, '') + text.slice(end);
    sep = choice.separator ? sep : { separator: hint[2] as CsvSeparator, alternatives: [] };
  }
  return {
    ok: true,
    text,
    reading: {
      encoding: decoded.encoding,
      bom: decoded.bom,
      separator: sep.separator,
      encodingAlternatives: decoded.alternatives,
      separatorAlternatives: sep.alternatives,
    },
  };
}

// ---------------------------------------------------------------------------

/** A byte ≥ 0x80 that Windows-1252 reads as something other than a letter (€, ³, ¹, ¿…). */
function hasNonLetterHighByte(b: Uint8Array): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) seen.add(b[i]);
  if (seen.size === 0) return false;
  const chars = new TextDecoder('windows-1252').decode(Uint8Array.from(seen));
  for (const ch of chars) if (!/\p{L}/u.test(ch)) return true;
  return false;
}

/** The first non-blank line (at most 4 KB of it: a header is short). */
function firstLine(text: string): string {
  let i = 0;
  const n = text.length;
  while (i < n) {
    let j = i;
    while (j < n && text.charCodeAt(j) !== 0x0a && text.charCodeAt(j) !== 0x0d) j++;
    const line = text.slice(i, Math.min(j, i + 4096));
    if (line.trim() !== '') return line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
    i = j + 1;
  }
  return '';
}

function knownNames(line: string, separator: CsvSeparator): number {
  const { records } = parseCsv(line, undefined, separator);
  const fields = records[0]?.fields ?? [];
  return new Set(fields.map((f) => f.trim().toLowerCase()).filter((f) => KNOWN_COLUMNS.has(f))).size;
}

function count(line: string, ch: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) if (line[i] === ch) n++;
  return n;
}
