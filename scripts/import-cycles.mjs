// The import graph of src/, type imports included (import-x/no-cycle skips `import type`,
// and a type-only circle is still a circle a reader must hold in their head).
// Prints every circle (strongly connected component of more than one file, or a file
// importing itself) and exits 1 when there is one. Run by `npm run lint`.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'src');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveSpecifier(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const files = walk(root);
const edges = new Map();
for (const file of files) {
  // preProcessFile lists import/export declarations, require() and import() (type positions too).
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const targets = new Set();
  for (const ref of info.importedFiles) {
    const target = resolveSpecifier(file, ref.fileName);
    if (target) targets.add(target);
  }
  edges.set(file, [...targets]);
}

// Tarjan's strongly connected components, iterative so deep graphs cannot overflow the stack.
let index = 0;
const idx = new Map();
const low = new Map();
const onStack = new Set();
const stack = [];
const components = [];
for (const start of files) {
  if (idx.has(start)) continue;
  const work = [[start, 0]];
  idx.set(start, index);
  low.set(start, index++);
  stack.push(start);
  onStack.add(start);
  while (work.length > 0) {
    const frame = work[work.length - 1];
    const [v, i] = frame;
    const next = edges.get(v) ?? [];
    if (i < next.length) {
      frame[1]++;
      const w = next[i];
      if (!idx.has(w)) {
        idx.set(w, index);
        low.set(w, index++);
        stack.push(w);
        onStack.add(w);
        work.push([w, 0]);
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), idx.get(w)));
      }
      continue;
    }
    work.pop();
    if (work.length > 0) {
      const parent = work[work.length - 1][0];
      low.set(parent, Math.min(low.get(parent), low.get(v)));
    }
    if (low.get(v) === idx.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = component.length === 1 && (edges.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  }
}

const rel = (p) => relative(process.cwd(), p);
if (components.length === 0) {
  console.log(`import-cycles: ${files.length} files, no circle (type imports included)`);
  process.exit(0);
}
for (const c of components) {
  console.log(`import-cycles: a circle of ${c.length} file(s):`);
  const inside = new Set(c);
  for (const f of c.sort()) {
    const to = (edges.get(f) ?? []).filter((t) => inside.has(t)).map(rel);
    console.log(`  ${rel(f)} -> ${to.join(', ')}`);
  }
}
console.log(`import-cycles: ${components.length} circle(s) in ${files.length} files`);
process.exit(1);
