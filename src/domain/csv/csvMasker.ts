// The one way out for text derived from a migration CSV. A CsvMasker knows every value
// of one file that could be a password (validateMigrationCsv builds it once per parsed
// file, see the rule there) and replaces each occurrence of such a value in any text
// (card strings, message summaries, error texts, log and audit lines) with "••••".
//
// Matching is linear in the text for each distinct secret length (Rabin–Karp, one
// rolling hash per length, every hit confirmed by an exact compare), so a 50,000-row
// file and a long card stay cheap. Values of 4 characters or more are masked wherever
// they occur; shorter ones only where they stand alone (not inside a longer word or
// number), so a password "12" does not turn "Row 12" into bullets.

export const MASK = '••••';
/** Shorter secrets are masked only as whole words. */
const MIN_ANYWHERE = 4;
const BASE = 131;
const MOD = 2147483647; // 2^31 - 1: BASE * MOD stays below 2^53.

export class CsvMasker {
  /** length → secrets of that length. */
  private readonly byLength = new Map<number, Set<string>>();
  /** length → rolling hashes of those secrets. */
  private readonly hashes = new Map<number, Set<number>>();
  private lengths: number[] = [];

  private constructor(values: Iterable<string>) {
    for (const v of values) this.addValue(v);
    this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
  }

  static of(values: Iterable<string>): CsvMasker {
    return new CsvMasker(values);
  }

  static readonly none: CsvMasker = new CsvMasker([]);

  /** A masker that also hides `more` (e.g. the user names whose sign-in failed). */
  with(more: Iterable<string>): CsvMasker {
    const all: string[] = [];
    for (const set of this.byLength.values()) for (const s of set) all.push(s);
    for (const m of more) all.push(m);
    return new CsvMasker(all);
  }

  /** How many distinct values it hides. */
  get size(): number {
    let n = 0;
    for (const set of this.byLength.values()) n += set.size;
    return n;
  }

  /** True when `value` is (after trimming) one of the hidden values. */
  isSecret(value: string): boolean {
    const v = value.trim();
    return v !== '' && (this.byLength.get(v.length)?.has(v) ?? false);
  }

  /** The text with every hidden value replaced by "••••". */
  scrub(text: string): string {
    if (typeof text !== 'string' || text === '' || this.lengths.length === 0) return text;
    const n = text.length;
    // cover[i] > 0: character i belongs to a hidden value (difference array).
    let cover: Int32Array | null = null;
    for (const len of this.lengths) {
      if (len > n) continue;
      const wanted = this.hashes.get(len)!;
      const values = this.byLength.get(len)!;
      let pow = 1;
      for (let i = 1; i < len; i++) pow = (pow * BASE) % MOD;
      let h = 0;
      for (let i = 0; i < n; i++) {
        if (i >= len) h = (h - ((text.charCodeAt(i - len) * pow) % MOD) + MOD) % MOD;
        h = (h * BASE + text.charCodeAt(i)) % MOD;
        if (i < len - 1 || !wanted.has(h)) continue;
        const start = i - len + 1;
        if (!values.has(text.substr(start, len))) continue;
        if (len < MIN_ANYWHERE && (isWordChar(text, start - 1) || isWordChar(text, i + 1))) continue;
        cover ??= new Int32Array(n + 1);
        cover[start]++;
        cover[i + 1]--;
      }
    }
    if (cover === null) return text;
    let out = '';
    let depth = 0;
    let from = 0;
    for (let i = 0; i < n; i++) {
      const before = depth;
      depth += cover[i];
      if (before === 0 && depth > 0) out += text.slice(from, i) + MASK;
      if (before > 0 && depth === 0) from = i;
    }
    return depth > 0 ? out : out + text.slice(from);
  }

  /** `"value"` when it holds no hidden value, else `otherwise`. */
  show(value: string, otherwise: string): string {
    return this.scrub(value) === value ? `"${value}"` : otherwise;
  }

  /**
   * A copy of a card (or any JSON-like value) with every string scrubbed, except the
   * fields that steer the card rather than say something (type, verb, id, data, url…),
   * so masking can never break a button or the card's structure.
   */
  scrubDeep<T>(value: T): T {
    if (this.lengths.length === 0) return value;
    return this.deep(value, 0) as T;
  }

  private deep(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (depth > 64 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.deep(v, depth + 1));
    if (Buffer.isBuffer(value) || value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = STRUCTURAL_KEYS.has(k) ? v : this.deep(v, depth + 1);
    return out;
  }

  private addValue(raw: string): void {
    if (typeof raw !== 'string') return;
    for (const v of raw === raw.trim() ? [raw] : [raw, raw.trim()]) {
      if (v === '') continue;
      let set = this.byLength.get(v.length);
      if (!set) {
        set = new Set();
        this.byLength.set(v.length, set);
        this.hashes.set(v.length, new Set());
      }
      if (set.has(v)) continue;
      set.add(v);
      this.hashes.get(v.length)!.add(hashOf(v));
    }
  }
}

const STRUCTURAL_KEYS = new Set([
  'type',
  'verb',
  'id',
  'data',
  'url',
  'version',
  '$schema',
  'style',
  'color',
  'size',
  'weight',
  'width',
  'height',
  'spacing',
  'horizontalAlignment',
  'msteams',
]);

function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * BASE + s.charCodeAt(i)) % MOD;
  return h;
}

function isWordChar(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 127;
}
