// Summarises a V8 CPU profile (.cpuprofile) of the gateway: where its CPU time goes, by package
// and by function. `npm run bench -- --profile` records one under load; open the file itself in
// Chrome DevTools (Performance panel, "Load profile") or speedscope for the full picture.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileShare {
  name: string;
  /** Share of all samples with this on top of the stack. */
  self: number;
  /** Share of all samples with this anywhere on the stack. */
  total: number;
}

export interface ProfileSummary {
  file: string;
  durationMs: number;
  samples: number;
  packages: ProfileShare[];
  functions: ProfileShare[];
  /** The gateway's own functions (dist/), by total time. */
  gateway: ProfileShare[];
}

const SPECIAL = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** Which package (or part of Node, or the gateway's own code) a frame belongs to. */
function packageOf(frame: CallFrame): string {
  if (SPECIAL.has(frame.functionName) && !frame.url) return frame.functionName;
  const url = frame.url;
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts[0] === 'internal' ? parts.slice(0, 2).join('/') : parts[0]}`;
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return `gateway ${url.slice(dist + 1).split('/').slice(0, 2).join('/')}`;
  return url;
}

function functionOf(frame: CallFrame): string {
  const file = frame.url ? frame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/') : '';
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
}

export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const counts = { packageSelf: new Map<string, number>(), packageTotal: new Map<string, number>(), fnSelf: new Map<string, number>(), fnTotal: new Map<string, number>() };
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  for (const sample of profile.samples) {
    const leaf = byId.get(sample);
    if (!leaf) continue;
    add(counts.packageSelf, packageOf(leaf.callFrame));
    add(counts.fnSelf, functionOf(leaf.callFrame));
    // Each package and function once per sample, however deep it recurses.
    const packages = new Set<string>();
    const functions = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === '(root)') continue;
      packages.add(packageOf(frame));
      functions.add(functionOf(frame));
    }
    for (const name of packages) add(counts.packageTotal, name);
    for (const name of functions) add(counts.fnTotal, name);
  }

  const total = profile.samples.length || 1;
  const shares = (self: Map<string, number>, all: Map<string, number>, keys: Iterable<string>) =>
    [...keys].map((name) => ({ name, self: (self.get(name) ?? 0) / total, total: (all.get(name) ?? 0) / total }));
  const bySelf = (a: ProfileShare, b: ProfileShare) => b.self - a.self;
  const byTotal = (a: ProfileShare, b: ProfileShare) => b.total - a.total;

  return {
    file,
    durationMs: (profile.endTime - profile.startTime) / 1000,
    samples: profile.samples.length,
    packages: shares(counts.packageSelf, counts.packageTotal, counts.packageTotal.keys()).sort(bySelf).slice(0, top),
    functions: shares(counts.fnSelf, counts.fnTotal, counts.fnSelf.keys()).sort(bySelf).slice(0, top),
    gateway: shares(counts.fnSelf, counts.fnTotal, counts.fnTotal.keys())
      .filter((share) => share.name.includes('dist/'))
      .sort(byTotal)
      .slice(0, top),
  };
}
