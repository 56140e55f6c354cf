// `npm run bench:compare -- <dist A> <dist B> [rounds] [target] [connections]`: two builds of the
// gateway side by side against one simulator, autocannon alternating between them so that both
// see the same machine. Prints req/s and the gateway's CPU per request (from /proc) of each
// round and their medians. What docs/performance.md reports as "A/B" comes from this.
//   target: chat-sse (default), v1-stream, chat-json, v1-json; fast-chat-sse or fast-v1-stream for
//           2,000-token answers; pair (streamed) or pair-json: /chat on A against /v1 on B (give the
//           same build twice)
// Build the old one first, e.g. `git worktree add /tmp/old <commit> && (cd /tmp/old && npm ci && npm run build)`.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from './processes.js';
import { BENCH_CATALOG, FAST_BEHAVIOUR, SHORT_BEHAVIOUR, TARGETS, fastTarget, type Target, type TargetName } from './workload.js';

const ROOT = resolve(import.meta.dirname, '..');
const [distA, distB, roundsArg = '3', which = 'chat-sse', connectionsArg = '50'] = process.argv.slice(2);
if (!distA || !distB) {
  console.error('usage: npm run bench:compare -- <dist A> <dist B> [rounds] [target] [connections]');
  process.exit(2);
}
const fast = which.startsWith('fast-');
const targetOf = (name: string): Target => (fast ? fastTarget(name.slice('fast-'.length) as TargetName) : TARGETS[name as TargetName]);
const PAIRS: Record<string, [Target, Target]> = {
  pair: [TARGETS['chat-sse'], TARGETS['v1-stream']],
  'pair-json': [TARGETS['chat-json'], TARGETS['v1-json']],
};
const [targetA, targetB] = PAIRS[which] ?? [targetOf(which), targetOf(which)];
if (!targetA || !targetB) throw new Error(`unknown target ${which}`);

const sim = fork(join(ROOT, 'test', 'support', 'simulator', 'simulator-process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
const ready = await new Promise<{ groqBaseUrl: string; cerebrasBaseUrl: string }>((done) =>
  sim.on('message', (message: { op?: string; groqBaseUrl: string; cerebrasBaseUrl: string }) => message?.op === 'sim:ready' && done(message)),
);
sim.send({ id: 1, op: 'sim:behaviour', behaviour: fast ? FAST_BEHAVIOUR : SHORT_BEHAVIOUR });
const modelsFile = join(mkdtempSync(join(tmpdir(), 'bench-compare-')), 'models.json');
writeFileSync(modelsFile, JSON.stringify(BENCH_CATALOG));

async function startGateway(dist: string): Promise<{ child: ChildProcess; origin: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(resolve(dist), 'main.js')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      GROQ_API_KEY: 'bench-not-a-key',
      CEREBRAS_API_KEY: 'bench-not-a-key',
      GROQ_BASE_URL: ready.groqBaseUrl,
      CEREBRAS_BASE_URL: ready.cerebrasBaseUrl,
      MODELS_FILE: modelsFile,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let tries = 0; !(await fetch(`${origin}/health/ready`).then((r) => r.ok).catch(() => false)); tries++) {
    if (tries > 300) throw new Error(`${dist} did not become ready`);
    await new Promise((done) => setTimeout(done, 100));
  }
  return { child, origin };
}

/** User plus system CPU time of a process, in microseconds (Linux). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const sides = [
  { name: 'A', target: targetA, ...(await startGateway(distA)) },
  { name: 'B', target: targetB, ...(await startGateway(distB)) },
];

async function round(side: (typeof sides)[number]): Promise<{ rps: number; cpuPerRequest: number }> {
  const before = cpuMicros(side.child.pid!);
  const result = await autocannon({
    url: `${side.origin}${side.target.path}`,
    method: 'POST',
    headers: side.target.headers,
    body: side.target.body,
    connections: Number(connectionsArg),
    duration: fast ? 8 : 5,
  });
  if (result.non2xx || result.errors) throw new Error(`${side.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, cpuPerRequest: (cpuMicros(side.child.pid!) - before) / result.requests.total };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const measured = { A: { rps: [] as number[], cpu: [] as number[] }, B: { rps: [] as number[], cpu: [] as number[] } };
try {
  for (const side of sides) await round(side); // warm-up
  for (let i = 0; i < Number(roundsArg); i++) {
    for (const side of sides) {
      const { rps, cpuPerRequest } = await round(side);
      measured[side.name as 'A' | 'B'].rps.push(rps);
      measured[side.name as 'A' | 'B'].cpu.push(cpuPerRequest);
      console.log(`${side.name} ${Math.round(rps)} req/s, ${Math.round(cpuPerRequest)} µs of CPU per request`);
    }
  }
  const [rpsA, rpsB, cpuA, cpuB] = [median(measured.A.rps), median(measured.B.rps), median(measured.A.cpu), median(measured.B.cpu)];
  console.log(
    `${which} at ${connectionsArg} connections: A ${Math.round(rpsA)} req/s, B ${Math.round(rpsB)} req/s (B/A ${(rpsB / rpsA).toFixed(3)}); ` +
      `CPU per request A ${Math.round(cpuA)} µs, B ${Math.round(cpuB)} µs (B/A ${(cpuB / cpuA).toFixed(3)})`,
  );
} finally {
  for (const side of sides) side.child.kill('SIGTERM');
  sim.kill();
}
