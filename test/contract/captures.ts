import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// The real InvokeCommand captures (shared/reference/exo-captures, INDEX.md first), read from disk at
// test time, byte for byte. The repository is cloned with `shared/` beside it; CI copies `shared/`
// beside a fresh clone, read-only. CUTOVER_EXO_CAPTURES may name the folder explicitly.

const RELATIVE = join('shared', 'reference', 'exo-captures');

function findCapturesDir(): string {
  const explicit = process.env.CUTOVER_EXO_CAPTURES;
  if (explicit) {
    if (!existsSync(join(explicit, 'INDEX.md'))) throw new Error(`CUTOVER_EXO_CAPTURES=${explicit} has no INDEX.md`);
    return explicit;
  }
  // The repo root is two levels up from here; shared/ sits beside it. Walk up in case the repo
  // is checked out deeper (a worktree inside another folder).
  let dir = resolve(__dirname, '..', '..');
  for (let i = 0; i < 5; i++) {
    const candidate = join(dirname(dir), RELATIVE);
    if (existsSync(join(candidate, 'INDEX.md'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(
    `The Exchange captures were not found: expected ${join('..', RELATIVE)} beside the repository ` +
      '(clone it with shared/ beside it, or set CUTOVER_EXO_CAPTURES). The contract tests need them.',
  );
}

export const CAPTURES_DIR = findCapturesDir();

/** A capture file's bytes, unchanged. */
export function captureBytes(name: string): Buffer {
  return readFileSync(join(CAPTURES_DIR, name));
}

export function captureText(name: string): string {
  return captureBytes(name).toString('utf8');
}

export function captureJson<T = any>(name: string): T {
  return JSON.parse(captureText(name)) as T;
}

/**
 * The shape of a JSON value: objects become their sorted keys with the shapes of their values,
 * arrays the shape of their first element, scalars their JSON type. Key order aside, two bodies with
 * the same keys, nesting and annotation placement have the same shape.
 */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as object).sort()) out[k] = shapeOf((value as Record<string, unknown>)[k]);
    return out;
  }
  return typeof value;
}
