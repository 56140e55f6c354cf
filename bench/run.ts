// `npm run bench`: builds, then measures the built gateway against the provider simulator and
// writes docs/benchmarks.md. See docs/benchmarks.md ("How to run") for the options.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Behaviour, StreamStats } from '../test/support/simulator/provider-simulator.js';
import { CHAT_SSE, checkOnce, measureSequential, OPENAI_SSE, openStreams, runConcurrentStreams, type StreamFormat } from './clients.js';
import { runLoad, warmUp, type Endpoints, type LoadResult } from './load.js';
import { BenchProcess, freePort, installCleanup, stopAll, type MemorySnapshot } from './processes.js';
import { summariseProfile, type ProfileSummary } from './profile.js';
import { tcpCounters, tcpDelta } from './tcp-counters.js';
import {
  HANGUP_WAIT_S,
  HOW_TO_RUN,
  renderMarkdown,
  type HangupResult,
  type LongStreamRun,
  type Measurements,
  type CacheRound,
  type ParityRound,
  type RedisRun,
  type RunInfo,
  type Settings,
} from './report.js';
import {
  BENCH_CATALOG,
  FAST_ANSWER,
  FAST_BEHAVIOUR,
  FAST_CONNECTIONS,
  FAST_TARGETS,
  fastTarget,
  GROQ_CHAT_PATH,
  HANGUP_BEHAVIOUR,
  LONG_BEHAVIOUR,
  LONG_ANSWER,
  LONG_STREAM_BODY,
  MATRIX_TARGETS,
  PARITY_PAIRS,
  CACHE_PAIR,
  PER_PROVIDER_TARGETS,
  SHORT_BEHAVIOUR,
  TARGETS,
  type TargetName,
} from './workload.js';

const ROOT = resolve(import.meta.dirname, '..');
const PROBE = pathToFileURL(join(ROOT, 'bench', 'probe.mjs')).href;
/** Streams still open this long after they started have failed (the ideal is 2.2 s). */
const LONG_STREAM_DEADLINE_MS = 60_000;
const HANGUP_FIRST_TOKEN_WAIT_MS = HANGUP_WAIT_S * 1_000;

function parseSettings(argv: string[], env: NodeJS.ProcessEnv): Settings {
  const flag = (name: string) => argv.includes(name);
  const value = (name: string) => {
    const index = argv.indexOf(name);
    return index === -1 ? undefined : argv[index + 1];
  };
  const known = new Set(['--quick', '--profile', '--runs', '--out']);
  argv.forEach((arg, index) => {
    const isValue = index > 0 && ['--runs', '--out'].includes(argv[index - 1]!);
    if (!isValue && !known.has(arg)) throw new Error(`unknown option ${arg}; the options are --quick, --runs N, --out FILE, --profile`);
  });
  const quick = flag('--quick');
  const number = (raw: string | undefined, fallback: number, name: string) => {
    if (raw === undefined || raw === '') return fallback;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative number, not ${JSON.stringify(raw)}`);
    return parsed;
  };
  const list = (raw: string | undefined, fallback: number[], name: string) =>
    raw ? raw.split(',').map((item) => number(item.trim(), Number.NaN, name)).filter((item) => item > 0) : fallback;

  const connections = list(env.BENCH_CONNECTIONS, [1, 10, 50, 200], 'BENCH_CONNECTIONS');
  const settings: Settings = {
    quick,
    runs: Math.max(1, Math.floor(number(value('--runs') ?? env.BENCH_RUNS, 1, '--runs'))),
    durationS: number(env.BENCH_DURATION, quick ? 1 : 6, 'BENCH_DURATION'),
    warmupS: number(env.BENCH_WARMUP, quick ? 0.5 : 1.5, 'BENCH_WARMUP'),
    connections,
    referenceConnections: connections.includes(50) ? 50 : Math.max(...connections),
    parityRounds: Math.floor(number(env.BENCH_PARITY_ROUNDS, quick ? 1 : 5, 'BENCH_PARITY_ROUNDS')),
    sequentialRequests: Math.floor(number(env.BENCH_SEQUENTIAL, quick ? 200 : 1_000, 'BENCH_SEQUENTIAL')),
    streams: list(env.BENCH_STREAMS, quick ? [100] : [100, 500, 1_000], 'BENCH_STREAMS'),
    hangupStreams: Math.floor(number(env.BENCH_HANGUP_STREAMS, quick ? 100 : 1_000, 'BENCH_HANGUP_STREAMS')),
    out: value('--out') ?? (quick ? null : join(ROOT, 'docs', 'benchmarks.md')),
    profile: flag('--profile'),
  };
  if (settings.durationS <= 0) throw new Error('BENCH_DURATION must be above 0');
  return settings;
}

function describeRun(command: string): RunInfo {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  let commit = 'unknown';
  try {
    const changed = git('status', '--porcelain').split('\n').filter(Boolean);
    const srcChanged = changed.some((line) => line.slice(3).startsWith('src/'));
    commit = `${git('rev-parse', '--short', 'HEAD')}${changed.length ? ` (dirty${srcChanged ? ': src/ has uncommitted changes' : ', src/ clean'})` : ''}`;
  } catch {
    // not a git checkout
  }
  let os = `${osType()} ${release()}`;
  try {
    const pretty = /^PRETTY_NAME="?(.*?)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) os = `${pretty}, ${os}`;
  } catch {
    // no /etc/os-release
  }
  let openFilesLimit = 'unknown';
  try {
    openFilesLimit = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  } catch {
    // no sh
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    os,
    loadAverage: loadavg().map((value) => value.toFixed(2)).join(' / '),
    openFilesLimit,
    command,
  };
}

/** Only what the gateway and the simulator need: no keys, .env or gateway settings of the caller leak in. */
function baseEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
}

async function startSimulator(logDir: string): Promise<{ process: BenchProcess; origin: string; groqBaseUrl: string; cerebrasBaseUrl: string }> {
  const sim = BenchProcess.start(
    'simulator',
    ['--import', 'tsx', '--import', PROBE, join(ROOT, 'test', 'support', 'simulator', 'simulator-process.ts')],
    baseEnv(),
    join(logDir, 'simulator.log'),
  );
  const ready = await sim.waitForMessage(
    (message): message is { op: 'sim:ready'; groqBaseUrl: string; cerebrasBaseUrl: string } => (message as { op?: string } | null)?.op === 'sim:ready',
    30_000,
  );
  return { process: sim, origin: new URL(ready.groqBaseUrl).origin, groqBaseUrl: ready.groqBaseUrl, cerebrasBaseUrl: ready.cerebrasBaseUrl };
}

/** The bare Node proxy (bench/baseline-proxy.ts), in front of the simulator's Groq endpoint. */
async function startBaseline(logDir: string, sim: { origin: string }): Promise<{ process: BenchProcess; origin: string }> {
  const baseline = BenchProcess.start(
    'baseline',
    ['--import', 'tsx', '--import', PROBE, join(ROOT, 'bench', 'baseline-proxy.ts')],
    { ...baseEnv(), BASELINE_UPSTREAM_URL: `${sim.origin}${GROQ_CHAT_PATH}` },
    join(logDir, 'baseline.log'),
  );
  const ready = await baseline.waitForMessage(
    (message): message is { op: 'baseline:ready'; port: number } => (message as { op?: string } | null)?.op === 'baseline:ready',
    30_000,
  );
  return { process: baseline, origin: `http://127.0.0.1:${ready.port}` };
}

async function startGateway(
  logDir: string,
  sim: { groqBaseUrl: string; cerebrasBaseUrl: string },
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ process: BenchProcess; origin: string }> {
  const modelsFile = join(logDir, 'models.json');
  writeFileSync(modelsFile, JSON.stringify(BENCH_CATALOG, null, 2));
  const port = await freePort();
  const gateway = BenchProcess.start(
    'gateway',
    // --expose-gc only lets the probe collect before a memory snapshot; nothing else calls gc().
    ['--expose-gc', '--import', PROBE, join(ROOT, 'dist', 'main.js')],
    {
      ...baseEnv(),
      PORT: String(port),
      HOST: '127.0.0.1',
      GROQ_API_KEY: 'bench-not-a-key',
      CEREBRAS_API_KEY: 'bench-not-a-key',
      GROQ_BASE_URL: sim.groqBaseUrl,
      CEREBRAS_BASE_URL: sim.cerebrasBaseUrl,
      MODELS_FILE: modelsFile,
      ...extraEnv,
    },
    join(logDir, extraEnv.REDIS_URL ? 'gateway-redis.log' : 'gateway.log'),
  );
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!gateway.running) throw new Error(`the gateway exited at start-up:\n${gateway.logTail()}`);
    const ready = await fetch(`${origin}/health/ready`).then((response) => response.ok).catch(() => false);
    if (ready) return { process: gateway, origin };
    if (Date.now() > deadline) throw new Error(`the gateway was not ready within 30 s:\n${gateway.logTail()}`);
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Simulator {
  process: BenchProcess;
  origin: string;
  groqBaseUrl: string;
  cerebrasBaseUrl: string;
}

interface Gateway {
  process: BenchProcess;
  origin: string;
}

const setBehaviour = (sim: Simulator, behaviour: Behaviour) => sim.process.call('sim:behaviour', { behaviour });
const streamStats = (sim: Simulator) => sim.process.call<StreamStats>('sim:streams');

/** The origin each kind of target is sent to. */
interface Origins {
  gateway: string;
  direct: string;
  baseline: string;
}

/** One request of each kind must be a whole answer before any load is measured. */
async function checkAnswers(origins: Origins): Promise<void> {
  for (const name of [...MATRIX_TARGETS, ...PER_PROVIDER_TARGETS]) {
    const target = TARGETS[name];
    const check = await checkOnce(origins[target.via], target);
    if (!check.ok) throw new Error(`${target.label} does not answer correctly (HTTP ${check.status}):\n${check.body.slice(0, 2_000)}`);
  }
}

/** The autocannon matrix, `settings.runs` times over. */
function endpointsOf(sim: Simulator, gateway: Gateway, baseline: Gateway): Endpoints {
  return {
    gateway: gateway.origin,
    simulator: sim.origin,
    baseline: baseline.origin,
    gatewayProcess: gateway.process,
    simulatorProcess: sim.process,
    baselineProcess: baseline.process,
  };
}

/** 2,000-token streams with no delay at FAST_CONNECTIONS: tokens relayed per second and CPU per frame. */
async function fastStreamRuns(settings: Settings, sim: Simulator, gateway: Gateway, baseline: Gateway): Promise<LoadResult[][]> {
  const endpoints = endpointsOf(sim, gateway, baseline);
  await setBehaviour(sim, FAST_BEHAVIOUR);
  try {
    const runs: LoadResult[][] = [];
    for (let run = 1; run <= settings.runs; run++) {
      const results: LoadResult[] = [];
      for (const name of FAST_TARGETS) {
        const result = await runLoad(fastTarget(name), FAST_CONNECTIONS, settings, endpoints);
        results.push(result);
        const bad = result.non2xx + result.errors + result.mismatches;
        console.log(
          `[fast ${run}/${settings.runs}] ${TARGETS[name].label.padEnd(34)} c=${FAST_CONNECTIONS} ${result.requestsPerSec.toFixed(1).padStart(7)} req/s ` +
            `(${Math.round(result.requestsPerSec * FAST_ANSWER.length)} tokens/s)  cpu gw ${result.cpu.gateway.toFixed(0)}%` +
            (bad ? `  FAILED: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.mismatches} bad bodies` : ''),
        );
      }
      runs.push(results);
    }
    return runs;
  } finally {
    await setBehaviour(sim, SHORT_BEHAVIOUR);
  }
}

async function shortRuns(settings: Settings, sim: Simulator, gateway: Gateway, baseline: Gateway): Promise<LoadResult[][]> {
  const endpoints = endpointsOf(sim, gateway, baseline);
  const warmupS = Math.max(1, 2 * settings.warmupS);
  console.log(`warming the gateway up: each request kind for ${warmupS} s at 10 connections`);
  for (const name of [...MATRIX_TARGETS, ...PER_PROVIDER_TARGETS]) {
    const { via } = TARGETS[name];
    if (via !== 'direct') await warmUp(TARGETS[name], via === 'gateway' ? gateway.origin : baseline.origin, 10, warmupS);
  }
  const runs: LoadResult[][] = [];
  for (let run = 1; run <= settings.runs; run++) {
    const results: LoadResult[] = [];
    for (const connections of settings.connections) {
      const names = connections === settings.referenceConnections ? [...MATRIX_TARGETS, ...PER_PROVIDER_TARGETS] : MATRIX_TARGETS;
      for (const name of names) {
        const result = await runLoad(TARGETS[name], connections, settings, endpoints);
        results.push(result);
        const bad = result.non2xx + result.errors + result.mismatches;
        console.log(
          `[run ${run}/${settings.runs}] ${TARGETS[name].label.padEnd(34)} c=${String(connections).padStart(3)} ` +
            `${result.requestsPerSec.toFixed(0).padStart(6)} req/s  p50 ${result.latencyP50} ms  p99 ${result.latencyP99} ms  ` +
            `cpu gw ${result.cpu.gateway.toFixed(0)}% sim ${result.cpu.simulator.toFixed(0)}% client ${result.cpu.client.toFixed(0)}%` +
            (result.tcp?.synRetransmits ? `  ${result.tcp.synRetransmits} SYN retransmits` : '') +
            (bad ? `  FAILED: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.mismatches} bad bodies` : ''),
        );
      }
    }
    runs.push(results);
  }
  return runs;
}

/**
 * /v1 against /chat, each pair measured back to back (in alternating order) at the reference
 * connection count. Cells minutes apart on a shared machine differ by more than the 10% the
 * parity target allows; the ratio within a pair does not carry that drift.
 */
async function parityRuns(settings: Settings, sim: Simulator, gateway: Gateway, baseline: Gateway): Promise<ParityRound[]> {
  const endpoints = endpointsOf(sim, gateway, baseline);
  const rounds: ParityRound[] = [];
  for (let round = 1; round <= settings.parityRounds; round++) {
    for (const [chatName, v1Name] of PARITY_PAIRS) {
      const [chat, v1] = await backToBack([chatName, v1Name], round, settings, endpoints);
      rounds.push({ chat, v1 });
      console.log(
        `[parity ${round}/${settings.parityRounds}] ${TARGETS[v1Name].label} / ${TARGETS[chatName].label}: ` +
          `${(v1.requestsPerSec / chat.requestsPerSec).toFixed(3)} (${v1.requestsPerSec.toFixed(0)} / ${chat.requestsPerSec.toFixed(0)} req/s)`,
      );
    }
  }
  return rounds;
}

/** Two targets at the reference connection count, one right after the other, the order alternating with the round. */
async function backToBack([first, second]: [TargetName, TargetName], round: number, settings: Settings, endpoints: Endpoints): Promise<[LoadResult, LoadResult]> {
  const results = new Map<TargetName, LoadResult>();
  for (const name of round % 2 === 1 ? [first, second] : [second, first]) {
    results.set(name, await runLoad(TARGETS[name], settings.referenceConnections, settings, endpoints));
  }
  return [results.get(first)!, results.get(second)!];
}

/**
 * Cache hits against the bare proxy, back to back (alternating order) at the reference connection
 * count: a hit makes no upstream call, so it should serve at least as many requests as a proxy
 * that makes one.
 */
async function cacheRuns(settings: Settings, sim: Simulator, gateway: Gateway, baseline: Gateway): Promise<CacheRound[]> {
  const endpoints = endpointsOf(sim, gateway, baseline);
  const [proxyName, cachedName] = CACHE_PAIR;
  // The first request stores the answer; every one after it is a hit.
  await warmUp(TARGETS[cachedName], gateway.origin, 10, 1);
  const rounds: CacheRound[] = [];
  for (let round = 1; round <= settings.parityRounds; round++) {
    const [proxy, cached] = await backToBack([proxyName, cachedName], round, settings, endpoints);
    rounds.push({ proxy, cached });
    console.log(`[cache ${round}/${settings.parityRounds}] cache hit / bare proxy: ${(cached.requestsPerSec / proxy.requestsPerSec).toFixed(3)} (${cached.requestsPerSec.toFixed(0)} / ${proxy.requestsPerSec.toFixed(0)} req/s)`);
  }
  return rounds;
}

/** A CPU profile of the gateway under /chat SSE load at the reference connection count. */
async function profileGateway(settings: Settings, gateway: Gateway): Promise<ProfileSummary> {
  const dir = join(ROOT, 'bench', 'profiles');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `gateway-chat-sse-c${settings.referenceConnections}.cpuprofile`);
  console.log(`profiling the gateway: /chat SSE at ${settings.referenceConnections} connections for ${settings.durationS} s`);
  const failed = (result: unknown) => (result as { error?: string } | null)?.error;
  const started = await gateway.process.call('probe:profile-start');
  if (failed(started)) throw new Error(`the gateway's CPU profile did not start: ${failed(started)}`);
  await warmUp(TARGETS['chat-sse'], gateway.origin, settings.referenceConnections, settings.durationS);
  const stopped = await gateway.process.call('probe:profile-stop', { path: file }, 60_000);
  if (failed(stopped)) throw new Error(`the gateway's CPU profile could not be written: ${failed(stopped)}`);
  return summariseProfile(file);
}

/**
 * The `/chat` SSE short run again with REDIS_URL set (a local redis-server, limits shared
 * through it): what two Redis round trips per request cost against the in-memory matrix.
 */
async function redisRuns(settings: Settings, sim: Simulator, logDir: string): Promise<RedisRun> {
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return { skipped: 'redis-server is not installed (Debian package redis-server)' };
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  try {
    const gateway = await startGateway(logDir, sim, { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_KEY_PREFIX: 'bench' });
    try {
      const ready = (await (await fetch(`${gateway.origin}/health/ready`)).json()) as { details?: { redis?: { limits?: string } } };
      if (ready.details?.redis?.limits !== 'shared') return { skipped: 'the gateway could not reach the benchmark redis-server' };
      const endpoints: Endpoints = {
        gateway: gateway.origin,
        simulator: sim.origin,
        baseline: gateway.origin,
        gatewayProcess: gateway.process,
        simulatorProcess: sim.process,
        baselineProcess: gateway.process,
      };
      await warmUp(TARGETS['chat-sse'], gateway.origin, 10, Math.max(1, 2 * settings.warmupS));
      const cells: LoadResult[] = [];
      for (const connections of new Set([1, settings.referenceConnections])) {
        const result = await runLoad(TARGETS['chat-sse'], connections, settings, endpoints);
        console.log(`[redis] gateway /chat SSE c=${String(connections).padStart(3)} ${result.requestsPerSec.toFixed(0).padStart(6)} req/s  p50 ${result.latencyP50} ms  p99 ${result.latencyP99} ms`);
        cells.push(result);
      }
      return { redisVersion: version.stdout.trim().split(' ').find((part) => part.startsWith('v='))?.slice(2) ?? 'unknown', cells };
    } finally {
      await gateway.process.stop();
    }
  } finally {
    server.kill('SIGKILL');
  }
}

/** The long streams through the gateway's /chat, or through the bare proxy (format: what it relays). */
async function longStreamRuns(settings: Settings, sim: Simulator, gateway: Gateway, format: StreamFormat = CHAT_SSE): Promise<LongStreamRun[]> {
  await setBehaviour(sim, LONG_BEHAVIOUR);
  const results: LongStreamRun[] = [];
  for (const count of settings.streams) {
    await sleep(500);
    const rssBeforeBytes = (await gateway.process.probe()).rssBytes;
    await Promise.all([sim.process.call('sim:reset-streams'), gateway.process.resetProbe(), sim.process.resetProbe()]);
    const tcpBefore = tcpCounters();
    const clientCpu = process.cpuUsage();
    const streams = await runConcurrentStreams(`${gateway.origin}/chat`, LONG_STREAM_BODY, count, LONG_ANSWER, LONG_STREAM_DEADLINE_MS, format);
    const client = process.cpuUsage(clientCpu);
    const [report, simulator, stats] = await Promise.all([gateway.process.probe(), sim.process.probe(), streamStats(sim)]);
    const tcp = tcpDelta(tcpBefore, tcpCounters());
    const cpu = {
      gateway: (100 * report.cpuMs) / report.elapsedMs,
      simulator: (100 * simulator.cpuMs) / simulator.elapsedMs,
      client: (100 * (client.user + client.system)) / 1000 / streams.durationMs,
    };
    results.push({ streams, peakOpenUpstream: stats.peakOpen, gateway: report, rssBeforeBytes, tcp, cpu });
    console.log(
      `long streams${format === CHAT_SSE ? '' : ' (bare Node proxy)'}: ${streams.completed}/${count} complete in ${streams.durationMs.toFixed(0)} ms, peak upstream ${stats.peakOpen}, ` +
        `gateway RSS peak ${(report.peakRssBytes / 2 ** 20).toFixed(0)} MB, event-loop p99 ${report.eventLoopDelayMs.p99.toFixed(1)} ms`,
    );
  }
  return results;
}

async function hangupCheck(settings: Settings, sim: Simulator, gateway: Gateway): Promise<HangupResult> {
  await setBehaviour(sim, HANGUP_BEHAVIOUR);
  await sleep(500);
  await sim.process.call('sim:reset-streams');
  const cancellationsBefore = await gatewayCancellations(gateway.origin);
  const tcpBefore = tcpCounters();
  const started = performance.now();
  const streams = openStreams(`${gateway.origin}/chat`, LONG_STREAM_BODY, settings.hangupStreams);
  await streams.firstTokens(HANGUP_FIRST_TOKEN_WAIT_MS);
  const hungUpAfterMs = performance.now() - started;
  const before = await streamStats(sim);
  const tcp = tcpDelta(tcpBefore, tcpCounters());
  const closed = streams.hangUp();
  await sleep(1_000);
  const after = await streamStats(sim);
  await closed;
  const cancellationsAfter = await gatewayCancellations(gateway.origin);
  console.log(`hang-up: ${after.open} of ${streams.total} upstream streams still open 1 s after the clients left`);
  // Whatever is left must not outlive the benchmark's measurements: wait for it (at most 30 s).
  const deadline = Date.now() + 30_000;
  while ((await streamStats(sim)).open > 0 && Date.now() < deadline) await sleep(250);
  return {
    total: streams.total,
    gotFirstToken: streams.gotFirstToken,
    hungUpAfterMs,
    startedUpstream: before.started,
    tcp,
    openUpstreamBefore: before.open,
    openUpstreamAfter1s: after.open,
    abortedUpstream: after.aborted,
    gatewayCancellations: cancellationsBefore === null || cancellationsAfter === null ? null : cancellationsAfter - cancellationsBefore,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const settings = parseSettings(argv, process.env);
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const run = describeRun(command);
  installCleanup();

  const biggest = Math.max(...settings.streams, settings.hangupStreams);
  const limit = Number(run.openFilesLimit);
  // Each stream holds two sockets in the gateway (client and upstream), one in the client and one in the simulator.
  if (Number.isFinite(limit) && limit < 2 * biggest + 1_000) {
    console.warn(`warning: ulimit -n is ${limit}; ${biggest} streams need about ${2 * biggest + 1_000} descriptors in the gateway`);
  }

  const logDir = mkdtempSync(join(tmpdir(), 'llm-gateway-bench-'));
  console.log(`${command}: logs in ${logDir}`);
  let keepLogs = false;
  // Also on Ctrl-C, which exits from the signal handler without unwinding to the finally below.
  process.on('exit', () => {
    if (!keepLogs) rmSync(logDir, { recursive: true, force: true });
  });
  try {
    const sim = await startSimulator(logDir);
    // CACHE=memory: only requests that ask (the cache-hit runs) use it; the others are not cacheable.
    let gateway = await startGateway(logDir, sim, { CACHE: 'memory' });
    const baseline = await startBaseline(logDir, sim);
    console.log(
      `simulator ${sim.origin} (pid ${sim.process.pid}), gateway ${gateway.origin} (pid ${gateway.process.pid}), ` +
        `bare Node proxy ${baseline.origin} (pid ${baseline.process.pid})`,
    );

    await setBehaviour(sim, SHORT_BEHAVIOUR);
    await checkAnswers({ gateway: gateway.origin, direct: sim.origin, baseline: baseline.origin });
    console.log('every request kind answers correctly; starting the short runs');
    const runs = await shortRuns(settings, sim, gateway, baseline);
    console.log(`/v1 against /chat: ${settings.parityRounds} rounds of back-to-back pairs at ${settings.referenceConnections} connections`);
    const parity = await parityRuns(settings, sim, gateway, baseline);
    console.log(`cache hits against the bare proxy: ${settings.parityRounds} rounds at ${settings.referenceConnections} connections`);
    const cache = await cacheRuns(settings, sim, gateway, baseline);

    console.log(`time to first byte: ${settings.sequentialRequests} sequential requests each`);
    const sequential =
      settings.sequentialRequests > 0
        ? await measureSequential(
            {
              direct: { origin: sim.origin, target: TARGETS['direct-stream'] },
              baseline: { origin: baseline.origin, target: TARGETS['baseline-stream'] },
              gateway: { origin: gateway.origin, target: TARGETS['chat-sse'] },
            },
            settings.sequentialRequests,
            Math.min(100, settings.sequentialRequests),
          )
        : null;
    console.log(`fast streams: ${FAST_ANSWER.length} tokens, no delay, ${FAST_CONNECTIONS} connections`);
    const fastStreams = await fastStreamRuns(settings, sim, gateway, baseline);
    await baseline.process.stop();
    const profile = settings.profile ? await profileGateway(settings, gateway) : null;
    const afterShortRuns = await gateway.process.call<MemorySnapshot>('probe:memory');
    await gateway.process.stop();
    console.log('Redis mode: the /chat SSE short run with REDIS_URL set');
    const redis = await redisRuns(settings, sim, logDir);

    // A fresh gateway for the streams: its memory then reflects the streams, not the short runs' history.
    gateway = await startGateway(logDir, sim);
    const idle = await gateway.process.call<MemorySnapshot>('probe:memory');
    const longStreams = await longStreamRuns(settings, sim, gateway);
    const hangup = settings.hangupStreams > 0 ? await hangupCheck(settings, sim, gateway) : null;
    await gateway.process.stop();
    // The same streams through a fresh bare proxy: what any Node proxy needs for them on this machine.
    const freshBaseline = await startBaseline(logDir, sim);
    const baselineLongStreams = await longStreamRuns(settings, sim, freshBaseline, OPENAI_SSE);
    await freshBaseline.process.stop();

    const measurements: Measurements = {
      settings,
      run,
      runs,
      parity,
      cache,
      fastStreams,
      sequential,
      memory: { idle, afterShortRuns },
      profile,
      longStreams,
      baselineLongStreams,
      hangup,
      redis,
    };
    const markdown = renderMarkdown(measurements);
    console.log(`\n${markdown}`);
    if (settings.out) {
      mkdirSync(dirname(settings.out), { recursive: true });
      writeFileSync(settings.out, `${markdown}\n${HOW_TO_RUN}`);
      console.log(`written to ${settings.out}`);
    } else console.log('(quick run: nothing written; add --out <file> to keep it)');
  } catch (error) {
    keepLogs = true;
    throw error;
  } finally {
    await stopAll();
    if (keepLogs) console.error(`logs kept in ${logDir}`);
  }
}

/** The gateway's own count of streams cancelled because the client went away. */
async function gatewayCancellations(origin: string): Promise<number | null> {
  try {
    const usage = (await (await fetch(`${origin}/usage`)).json()) as { totals?: { cancellations?: number } };
    return usage.totals?.cancellations ?? null;
  } catch {
    return null;
  }
}


main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    await stopAll();
    process.exit(1);
  },
);
