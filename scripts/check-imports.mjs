// `npm run lint` runs this: the imports between src/ folders must point one way. Each folder is a
// layer or a feature; `common` and `config` sit at the bottom and import nothing above them, and
// the folder graph has no cycle (a cycle means two modules cannot be understood apart).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The folder to check: src/ unless given (the spec checks trees it makes).
const SRC = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));

/** What each bottom folder (and the Redis adapter) may import, besides itself. Every other folder may import any folder, as long as no cycle forms. */
const ONLY = {
  common: [],
  config: ['common'],
  // An adapter of usage's LimitStore port: it implements usage, it does not drive it.
  redis: ['common', 'config', 'providers', 'usage'],
};

function sources(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

const topOf = (path) => relative(SRC, path).split('/')[0];
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

const edges = new Map(); // "from -> to" => first file:line that makes it
for (const file of sources(SRC)) {
  const from = topOf(file);
  if (!statSync(join(SRC, from)).isDirectory()) continue; // main.ts, app.module.ts: the composition root
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const target = resolve(dirname(file), match[1] ?? match[2]);
    if (!target.startsWith(SRC)) continue;
    const to = topOf(target);
    if (to === from || !statSync(join(SRC, to), { throwIfNoEntry: false })?.isDirectory()) continue;
    const key = `${from} -> ${to}`;
    const at = match.index + (match[0].startsWith('\n') ? 1 : 0);
    if (!edges.has(key)) edges.set(key, `${relative(join(SRC, '..'), file)}:${text.slice(0, at).split('\n').length}`);
  }
}

const problems = [];
for (const [key, where] of edges) {
  const [from, to] = key.split(' -> ');
  if (ONLY[from] && !ONLY[from].includes(to)) problems.push(`${key}: ${from}/ may import only ${ONLY[from].join(', ') || 'itself'} (${where})`);
}

// Cycles in the folder graph: for each edge from -> to, is `from` reachable from `to`?
const next = new Map();
for (const key of edges.keys()) {
  const [from, to] = key.split(' -> ');
  next.set(from, [...(next.get(from) ?? []), to]);
}
function path(start, goal) {
  const seen = new Set([start]);
  const queue = [[start]];
  while (queue.length > 0) {
    const route = queue.shift();
    for (const step of next.get(route.at(-1)) ?? []) {
      if (step === goal) return [...route, step];
      if (!seen.has(step)) {
        seen.add(step);
        queue.push([...route, step]);
      }
    }
  }
  return null;
}
const reported = new Set();
for (const [key, where] of edges) {
  const [from, to] = key.split(' -> ');
  const back = path(to, from);
  if (!back) continue;
  const cycle = [from, ...back];
  const id = [...new Set(cycle)].sort((a, b) => a.localeCompare(b)).join(',');
  if (reported.has(id)) continue;
  reported.add(id);
  problems.push(`cycle ${cycle.join(' -> ')} (${key} at ${where})`);
}

if (problems.length > 0) {
  console.error(`Imports between src/ folders that point the wrong way:\n${problems.map((line) => `  ${line}`).join('\n')}`);
  process.exit(1);
}
console.log(`imports point one way: ${edges.size} edges between ${new Set([...edges.keys()].flatMap((key) => key.split(' -> '))).size} folders, no cycle`);
