// Turns the measurements into the targets' verdicts and into docs/benchmarks.md (also printed).
import type { SequentialResult, StreamsResult, Timing } from './clients.js';
import type { LoadResult } from './load.js';
import type { MemorySnapshot, ProbeReport } from './processes.js';
import type { ProfileSummary } from './profile.js';
import type { TcpCounters } from './tcp-counters.js';
import { median, percentile } from './stats.js';
import { FAST_ANSWER, FAST_CONNECTIONS, HANGUP_PAUSE_MS, PARITY_PAIRS, TARGETS, type TargetName } from './workload.js';

/** How long the hang-up check waits for every first token (run.ts). */
export const HANGUP_WAIT_S = 20;

/** The /chat SSE short run with REDIS_URL set, or why it did not run. */
export type RedisRun = { skipped: string } | { redisVersion: string; cells: LoadResult[] };

export interface Settings {
  quick: boolean;
  runs: number;
  durationS: number;
  warmupS: number;
  connections: number[];
  /** The connection count of the per-provider rows and of the ratio targets. */
  referenceConnections: number;
  /** Rounds of the /v1-against-/chat pairs. */
  parityRounds: number;
  sequentialRequests: number;
  streams: number[];
  hangupStreams: number;
  out: string | null;
  /** Record and summarise a CPU profile of the gateway under load. */
  profile: boolean;
}

export interface RunInfo {
  date: string;
  commit: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  loadAverage: string;
  openFilesLimit: string;
  command: string;
}

export interface LongStreamRun {
  streams: StreamsResult;
  peakOpenUpstream: number;
  gateway: ProbeReport;
  rssBeforeBytes: number;
  /** Kernel TCP counters over the run (null where /proc/net/netstat is not readable). */
  tcp: TcpCounters | null;
  /** % of one core over the run. */
  cpu: { gateway: number; simulator: number; client: number };
}

export interface HangupResult {
  total: number;
  gotFirstToken: number;
  hungUpAfterMs: number;
  /** Streamed requests that reached the simulator before the hang-up. */
  startedUpstream: number;
  tcp: TcpCounters | null;
  openUpstreamBefore: number;
  openUpstreamAfter1s: number;
  abortedUpstream: number;
  gatewayCancellations: number | null;
}

/** One back-to-back pair of the parity check. */
export interface ParityRound {
  chat: LoadResult;
  v1: LoadResult;
}

/** One back-to-back pair of the cache check: the bare proxy's stream, then a cache hit. */
export interface CacheRound {
  proxy: LoadResult;
  cached: LoadResult;
}

export interface Measurements {
  settings: Settings;
  run: RunInfo;
  /** Every short run, per repetition. */
  runs: LoadResult[][];
  /** /v1 against /chat, back to back, per round and pair. */
  parity: ParityRound[];
  /** Cache hits against the bare proxy, back to back, per round. */
  cache: CacheRound[];
  /** The 2,000-token streams at FAST_CONNECTIONS, per repetition. */
  fastStreams: LoadResult[][];
  sequential: SequentialResult | null;
  /** The gateway's memory after a full GC: freshly started, and after the short runs (a leak shows here). */
  memory: { idle: MemorySnapshot; afterShortRuns: MemorySnapshot };
  profile: ProfileSummary | null;
  longStreams: LongStreamRun[];
  /** The same streams through a freshly started bare Node proxy. */
  baselineLongStreams: LongStreamRun[];
  hangup: HangupResult | null;
  redis: RedisRun;
}

type Verdict = 'PASS' | 'FAIL' | 'NOT RUN';

interface TargetRow {
  target: string;
  goal: string;
  measured: string;
  verdict: Verdict;
}

const MB = 1024 * 1024;
const ms = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const pct = (value: number) => (Number.isFinite(value) ? `${(100 * value).toFixed(1)}%` : 'n/a');
const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a');
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

/** The median of every figure of one cell over the repeated runs; counts of failures are summed. */
export function medianCells(runs: LoadResult[][]): LoadResult[] {
  const first = runs[0] ?? [];
  return first.map((cell) => {
    const same = runs.map((run) => run.find((other) => other.target === cell.target && other.connections === cell.connections)!).filter(Boolean);
    const m = (pick: (result: LoadResult) => number) => median(same.map(pick));
    const sum = (pick: (result: LoadResult) => number) => same.reduce((total, result) => total + pick(result), 0);
    return {
      target: cell.target,
      connections: cell.connections,
      requestsPerSec: m((r) => r.requestsPerSec),
      latencyP50: m((r) => r.latencyP50),
      latencyP99: m((r) => r.latencyP99),
      latencyMean: m((r) => r.latencyMean),
      requests: m((r) => r.requests),
      non2xx: sum((r) => r.non2xx),
      errors: sum((r) => r.errors),
      timeouts: sum((r) => r.timeouts),
      mismatches: sum((r) => r.mismatches),
      cpu: { gateway: m((r) => r.cpu.gateway), simulator: m((r) => r.cpu.simulator), client: m((r) => r.cpu.client) },
      cpuPerRequestUs: { gateway: m((r) => r.cpuPerRequestUs.gateway), simulator: m((r) => r.cpuPerRequestUs.simulator) },
      gatewayEventLoopP99: m((r) => r.gatewayEventLoopP99),
      tcp: same.every((r) => r.tcp)
        ? { listenOverflows: sum((r) => r.tcp!.listenOverflows), synRetransmits: sum((r) => r.tcp!.synRetransmits) }
        : null,
    };
  });
}

const clean = (cell: LoadResult | undefined) => !!cell && cell.non2xx + cell.errors + cell.mismatches === 0 && cell.requests > 0;

function cellOf(cells: LoadResult[], target: TargetName, connections: number): LoadResult | undefined {
  return cells.find((cell) => cell.target === target && cell.connections === connections);
}

/** The direct run a gateway row is compared with. */
function baselineOf(target: TargetName): TargetName {
  return TARGETS[target].streamed ? 'direct-stream' : 'direct-json';
}

type Spread = { p50: number; p99: number };

export interface SequentialSummary {
  count: number;
  failures: number;
  ttfb: Record<keyof SequentialResult, Spread>;
  total: Record<keyof SequentialResult, Spread>;
}

export function summariseSequential(sequential: SequentialResult): SequentialSummary {
  const stat = (timings: Timing[], pick: (timing: Timing) => number): Spread => {
    const values = timings.filter((timing) => timing.ok).map(pick);
    return { p50: percentile(values, 50), p99: percentile(values, 99) };
  };
  const of = (pick: (timing: Timing) => number) => ({
    direct: stat(sequential.direct, pick),
    baseline: stat(sequential.baseline, pick),
    gateway: stat(sequential.gateway, pick),
  });
  return {
    count: sequential.gateway.length,
    failures: Object.values(sequential).flat().filter((timing) => !timing.ok).length,
    ttfb: of((timing) => timing.ttfbMs),
    total: of((timing) => timing.totalMs),
  };
}

export function evaluateTargets(data: Measurements, cells: LoadResult[]): TargetRow[] {
  const at = data.settings.referenceConnections;
  const rows: TargetRow[] = [];
  const verdict = (ran: boolean, ok: boolean): Verdict => (!ran ? 'NOT RUN' : ok ? 'PASS' : 'FAIL');

  const chat = cellOf(cells, 'chat-sse', at);
  const direct = cellOf(cells, 'direct-stream', at);
  const proxy = cellOf(cells, 'baseline-stream', at);
  const ratio = chat && proxy ? chat.requestsPerSec / proxy.requestsPerSec : Number.NaN;
  rows.push({
    target: `\`/chat\` SSE req/s at ${at} connections, ratio to the bare Node proxy`,
    goal: '>= 50%',
    measured: chat && proxy
      ? `${pct(ratio)} (${int(chat.requestsPerSec)} vs ${int(proxy.requestsPerSec)} req/s)${clean(chat) ? '' : ', with failed responses'}` +
        (direct ? `; direct ${int(direct.requestsPerSec)} req/s` : '')
      : 'n/a',
    verdict: verdict(!!(chat && proxy), ratio >= 0.5 && clean(chat) && clean(proxy)),
  });

  const fast = medianCells(data.fastStreams);
  const fastChat = cellOf(fast, 'chat-sse', FAST_CONNECTIONS);
  const fastProxy = cellOf(fast, 'baseline-stream', FAST_CONNECTIONS);
  const relayRatio = fastChat && fastProxy ? fastChat.requestsPerSec / fastProxy.requestsPerSec : Number.NaN;
  rows.push({
    target: `tokens relayed per second, ${int(FAST_ANSWER.length)}-token streams at ${FAST_CONNECTIONS} connections (\`/chat\` SSE), ratio to the bare Node proxy`,
    goal: '>= 60%',
    measured: fastChat && fastProxy
      ? `${pct(relayRatio)} (${int(fastChat.requestsPerSec * FAST_ANSWER.length)} vs ${int(fastProxy.requestsPerSec * FAST_ANSWER.length)} tokens/s; ` +
        `gateway ${ms(fastChat.cpuPerRequestUs.gateway / FAST_ANSWER.length)} µs of CPU per frame)`
      : 'n/a',
    verdict: verdict(!!(fastChat && fastProxy), relayRatio >= 0.6 && clean(fastChat) && clean(fastProxy)),
  });

  const seq = data.sequential ? summariseSequential(data.sequential) : null;
  const addedTotal = seq ? { p50: seq.total.gateway.p50 - seq.total.direct.p50, p99: seq.total.gateway.p99 - seq.total.direct.p99 } : null;
  const proxyAdded = seq ? seq.total.baseline.p50 - seq.total.direct.p50 : Number.NaN;
  rows.push({
    target: 'added p50 latency at 1 connection (streamed `/chat`, whole response, sequential client), ratio to the bare Node proxy\'s',
    goal: '<= 1.5x',
    measured: addedTotal
      ? `${(addedTotal.p50 / proxyAdded).toFixed(2)}x (${ms(addedTotal.p50)} ms vs ${ms(proxyAdded)} ms; p99 ${ms(addedTotal.p99)} ms vs ` +
        `${ms(seq!.total.baseline.p99 - seq!.total.direct.p99)} ms)`
      : 'n/a',
    verdict: verdict(!!seq, !!addedTotal && seq!.failures === 0 && addedTotal.p50 <= 1.5 * proxyAdded),
  });
  const addedTtfb = seq ? { p50: seq.ttfb.gateway.p50 - seq.ttfb.direct.p50, p99: seq.ttfb.gateway.p99 - seq.ttfb.direct.p99 } : null;
  rows.push({
    target: 'added time to first byte at 1 connection (median; p99 for information)',
    goal: '<= 1 ms',
    measured: addedTtfb ? `${ms(addedTtfb.p50)} ms (p99 ${ms(addedTtfb.p99)} ms)` : 'n/a',
    verdict: verdict(!!seq, !!addedTtfb && seq!.failures === 0 && addedTtfb.p50 <= 1),
  });

  const thousand = data.longStreams.find((run) => run.streams.total === 1_000);
  const bare = data.baselineLongStreams.find((run) => run.streams.total === 1_000);
  rows.push({
    target: '1,000 concurrent long streams',
    goal: 'all complete, peak open upstream = 1000, gateway RSS <= 180 MB, event-loop delay p99 <= 50 ms',
    measured: thousand
      ? `${thousand.streams.completed}/1000 complete, peak upstream ${thousand.peakOpenUpstream}, RSS ${mb(thousand.gateway.peakRssBytes)}, ` +
        `event-loop p99 ${ms(thousand.gateway.eventLoopDelayMs.p99, 1)} ms` +
        (bare
          ? `; the bare Node proxy, same streams: RSS ${mb(bare.rssBeforeBytes)} → ${mb(bare.gateway.peakRssBytes)}, event-loop p99 ${ms(bare.gateway.eventLoopDelayMs.p99, 1)} ms`
          : '')
      : 'not run (see Settings)',
    verdict: verdict(
      !!thousand,
      !!thousand &&
        thousand.streams.completed === 1_000 &&
        thousand.peakOpenUpstream === 1_000 &&
        thousand.gateway.peakRssBytes <= 180 * MB &&
        thousand.gateway.eventLoopDelayMs.p99 <= 50,
    ),
  });

  const hangup = data.hangup;
  rows.push({
    target: 'upstream streams left running 1 s after the clients hung up',
    goal: '0',
    measured: hangup ? `${hangup.openUpstreamAfter1s} of ${hangup.total}` : 'n/a',
    verdict: verdict(!!hangup, !!hangup && hangup.openUpstreamAfter1s === 0 && hangup.gotFirstToken === hangup.total),
  });

  const stream = parityOf(data.parity, 'v1-stream');
  const plain = parityOf(data.parity, 'v1-json');
  rows.push({
    target: `\`/v1/chat/completions\` stream and non-stream vs \`/chat\` (req/s at ${at} connections, median of back-to-back pairs)`,
    goal: 'at least 90% of /chat',
    measured: stream && plain ? `stream ${pct(stream.ratio)}, non-stream ${pct(plain.ratio)} of /chat` : 'n/a',
    verdict: verdict(!!(stream && plain), !!stream?.ok && !!plain?.ok),
  });

  const cache = cacheRatio(data.cache);
  rows.push({
    target: `a cache hit (\`/chat\` SSE, CACHE=memory) vs the bare Node proxy's stream (req/s at ${at} connections, median of back-to-back pairs)`,
    goal: "at least the bare proxy's",
    measured: cache ? `${pct(cache.ratio)} of the bare proxy` : 'n/a',
    verdict: verdict(!!cache, !!cache?.ok),
  });
  return rows;
}

/** The median over the rounds of the cache hits' req/s divided by the bare proxy's in the same pair. */
function cacheRatio(rounds: CacheRound[]): { ratio: number; ok: boolean } | null {
  if (rounds.length === 0) return null;
  const ratio = median(rounds.map((round) => round.cached.requestsPerSec / round.proxy.requestsPerSec));
  return { ratio, ok: ratio >= 1 && rounds.every((round) => clean(round.cached) && clean(round.proxy)) };
}

/**
 * The median over the rounds of /v1's req/s divided by /chat's in the same pair. The target is that
 * the OpenAI-compatible route costs at most 10% more than the native one; a /v1 that serves more
 * than /chat is shown as it is, not failed.
 */
function parityOf(rounds: ParityRound[], v1: TargetName): { ratio: number; ok: boolean } | null {
  const pairs = rounds.filter((round) => round.v1.target === v1);
  if (pairs.length === 0) return null;
  const ratio = median(pairs.map((pair) => pair.v1.requestsPerSec / pair.chat.requestsPerSec));
  return { ratio, ok: ratio >= 0.9 && pairs.every((pair) => clean(pair.v1) && clean(pair.chat)) };
}

function longStreamTable(runs: LongStreamRun[], rssLabel: string): string {
  return table(
    ['streams', 'complete', 'failures', 'peak upstream', 'duration ms', 'first token p50 / p99 ms', 'stream end p50 / p99 ms', rssLabel, 'event-loop p50 / p99 / max ms', 'CPU % proxy / sim / client', 'accept-queue overflows / SYN retransmits'],
    runs.map((run) => [
      int(run.streams.total),
      int(run.streams.completed),
      Object.entries(run.streams.failures).map(([reason, count]) => `${count}× ${reason}`).join('; ') || '0',
      int(run.peakOpenUpstream),
      int(run.streams.durationMs),
      `${int(run.streams.firstTokenMs.p50)} / ${int(run.streams.firstTokenMs.p99)}`,
      `${int(run.streams.streamMs.p50)} / ${int(run.streams.streamMs.p99)}`,
      `${mb(run.rssBeforeBytes)} → ${mb(run.gateway.peakRssBytes)}`,
      `${ms(run.gateway.eventLoopDelayMs.p50, 1)} / ${ms(run.gateway.eventLoopDelayMs.p99, 1)} / ${ms(run.gateway.eventLoopDelayMs.max, 1)}`,
      `${run.cpu.gateway.toFixed(0)} / ${run.cpu.simulator.toFixed(0)} / ${run.cpu.client.toFixed(0)}`,
      run.tcp ? `${run.tcp.listenOverflows} / ${run.tcp.synRetransmits}` : 'n/a',
    ]),
  );
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function matrixTable(cells: LoadResult[]): string {
  const rows = cells.map((cell) => {
    const target = TARGETS[cell.target];
    const base = target.via !== 'direct' ? cellOf(cells, baselineOf(cell.target), cell.connections) : undefined;
    const problems = cell.non2xx + cell.errors + cell.mismatches;
    return [
      target.label,
      String(cell.connections),
      int(cell.requestsPerSec),
      base ? pct(cell.requestsPerSec / base.requestsPerSec) : '',
      ms(cell.latencyP50, 0),
      ms(cell.latencyP99, 0),
      String(cell.non2xx),
      `${cell.errors}${cell.timeouts ? ` (${cell.timeouts} timeouts)` : ''}`,
      String(cell.mismatches),
      `${cell.cpu.gateway.toFixed(0)} / ${cell.cpu.simulator.toFixed(0)} / ${cell.cpu.client.toFixed(0)}`,
      target.via !== 'direct' ? int(cell.cpuPerRequestUs.gateway) : '',
      cell.tcp ? `${cell.tcp.listenOverflows} / ${cell.tcp.synRetransmits}` : 'n/a',
      problems ? 'NO' : 'yes',
    ];
  });
  return table(
    ['request', 'conns', 'req/s', 'vs direct', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'bad body', 'CPU % gw / sim / client', 'gw CPU µs/req', 'accept-queue overflows / SYN retransmits', 'valid'],
    rows,
  );
}

export function renderMarkdown(data: Measurements): string {
  const { settings, run: environment } = data;
  const cells = medianCells(data.runs);
  const targets = evaluateTargets(data, cells);
  const seq = data.sequential ? summariseSequential(data.sequential) : null;
  const out: string[] = [];
  const runsNote = data.runs.length > 1 ? `median of ${data.runs.length} runs per cell (errors summed)` : 'one run per cell';

  out.push('# Benchmarks', '');
  out.push(
    `Written by \`${environment.command}\` (\`bench/run.ts\`); rerun it to refresh this page. The gateway (\`dist/main.js\`, ` +
      '`NODE_ENV=production`) and the provider simulator (`test/support/simulator/`) run as separate processes on 127.0.0.1; ' +
      'the load comes from autocannon and from the benchmark\'s own node:http clients in a third process. All three share the machine below.',
    '',
  );
  out.push('## Machine and run', '');
  out.push(
    table(
      ['', ''],
      [
        ['date', environment.date],
        ['commit', environment.commit],
        ['CPU', `${environment.cpu}, ${environment.cores} cores`],
        ['memory', `${environment.memoryGiB.toFixed(1)} GiB`],
        ['Node.js', environment.node],
        ['OS', environment.os],
        ['load average at start (1/5/15 min)', environment.loadAverage],
        ['open files limit (`ulimit -n`)', environment.openFilesLimit],
        [
          'short runs',
          `${settings.warmupS} s warm-up + ${settings.durationS} s measured per cell, connections ${settings.connections.join(', ')}, ${runsNote}`,
        ],
        ['simulator, short runs', `20 content deltas, no delays`],
        ['sequential requests (TTFB, added latency)', `${settings.sequentialRequests} per side, 1 connection each, alternating`],
        ['long streams', `${settings.streams.join(', ')} at once; 200 ms to the first token, then 100 tokens 20 ms apart`],
        ['hang-up', `${settings.hangupStreams} streams: first token at 200 ms, then ${HANGUP_PAUSE_MS / 1000} s of silence`],
        ['gateway settings', 'two deployments of one model (Groq + Cerebras, round-robin), limits 10^12, `SSE_KEEPALIVE_MS` default'],
      ],
    ),
    '',
  );

  out.push('## Targets', '');
  out.push(table(['target', 'goal', 'measured', 'verdict'], targets.map((row) => [row.target, row.goal, row.measured, `**${row.verdict}**`])), '');
  out.push(
    'The "bare Node proxy" figures are what a pass-through proxy on the same stack costs on this machine (see Short runs). ' +
      '`docs/performance.md` explains the numbers: what got them here, where the time goes, and for a missed target what would close it.',
    '',
  );

  if (data.parity.length > 0) {
    out.push('## /v1 against /chat', '');
    out.push(
      `Each round runs a /chat request kind and its /v1 counterpart back to back (the order alternating between rounds) at ` +
        `${settings.referenceConnections} connections, so that both see the same machine; the parity target is the median of the ` +
        'rounds\' ratios: /v1 may cost at most 10% more than /chat (serving more than /chat is not a failure). The short-run matrix ' +
        'above measures the same cells minutes apart, too far apart on a shared machine to compare within 10%.',
      '',
    );
    out.push(
      table(
        ['round', 'pair', '/chat req/s', '/v1 req/s', '/v1 / /chat', 'CPU µs per request /chat', 'CPU µs per request /v1'],
        data.parity.map((pair, index) => [
          String(Math.floor(index / PARITY_PAIRS.length) + 1),
          `${TARGETS[pair.v1.target].label} / ${TARGETS[pair.chat.target].label}`,
          int(pair.chat.requestsPerSec),
          int(pair.v1.requestsPerSec),
          pct(pair.v1.requestsPerSec / pair.chat.requestsPerSec),
          int(pair.chat.cpuPerRequestUs.gateway),
          int(pair.v1.cpuPerRequestUs.gateway),
        ]),
      ),
      '',
    );
  }

  if (data.cache.length > 0) {
    out.push('## Cache hits against the bare proxy', '');
    out.push(
      `Each round runs the bare proxy's stream and a gateway /chat SSE request that is a cache hit (\`x-gateway-cache: use\`, ` +
        `CACHE=memory, the same 20-delta answer stored by the first request) back to back at ${settings.referenceConnections} ` +
        'connections, the order alternating. A hit makes no upstream call; the target is that it serves at least as many ' +
        'requests per second as a proxy that makes one.',
      '',
    );
    out.push(
      table(
        ['round', 'bare proxy req/s', 'cache hit req/s', 'hit / proxy', 'CPU µs per request proxy', 'CPU µs per request gateway (hit)'],
        data.cache.map((round, index) => [
          String(index + 1),
          int(round.proxy.requestsPerSec),
          int(round.cached.requestsPerSec),
          pct(round.cached.requestsPerSec / round.proxy.requestsPerSec),
          int(round.proxy.cpuPerRequestUs.gateway),
          int(round.cached.cpuPerRequestUs.gateway),
        ]),
      ),
      '',
    );
  }

  out.push('## Fast streams (token relay)', '');
  out.push(
    `${int(FAST_ANSWER.length)} content deltas per answer with no delay, ${FAST_CONNECTIONS} connections: what the relay carries when the ` +
      'provider is fast. tokens/s = req/s x deltas; "vs bare proxy" compares tokens/s; CPU per frame is the gateway\'s CPU per request ' +
      'divided by the deltas (for the bare proxy, its own). Every body is checked for all the deltas and the end marker.',
    '',
  );
  const fastCells = medianCells(data.fastStreams);
  const fastProxyCell = cellOf(fastCells, 'baseline-stream', FAST_CONNECTIONS);
  out.push(
    table(
      ['request', 'req/s', 'tokens/s', 'vs bare proxy', 'CPU µs per frame (gw)', 'CPU % gw / sim / client', 'bad body', 'valid'],
      fastCells.map((cell) => [
        `${cell.target === 'chat-sse' ? 'gateway /chat SSE' : cell.target === 'v1-stream' ? 'gateway /v1 stream' : cell.target === 'baseline-stream' ? 'bare Node proxy stream' : 'direct Groq stream'}`,
        cell.requestsPerSec.toFixed(1),
        int(cell.requestsPerSec * FAST_ANSWER.length),
        cell.target === 'direct-stream' || !fastProxyCell ? '' : pct(cell.requestsPerSec / fastProxyCell.requestsPerSec),
        cell.target === 'direct-stream' ? '' : ms(cell.cpuPerRequestUs.gateway / FAST_ANSWER.length),
        `${cell.cpu.gateway.toFixed(0)} / ${cell.cpu.simulator.toFixed(0)} / ${cell.cpu.client.toFixed(0)}`,
        String(cell.mismatches),
        clean(cell) ? 'yes' : 'no',
      ]),
    ),
    '',
  );

  out.push('## Short runs', '');
  out.push(
    'req/s and latency from autocannon (latency = until the **end** of the response, for a stream all 20 deltas; autocannon ' +
      'records whole milliseconds). "vs direct": gateway req/s divided by the simulator\'s own at the same connection count ' +
      '(streamed rows against the direct stream, non-streamed against the direct non-stream). Every response body is checked ' +
      '(all 20 deltas and `event: done` / `[DONE]`, or the whole text); "bad body" counts those that were not whole. ' +
      'Accept-queue overflows and SYN retransmits (kernel counters, summed over the runs) each cost a connection a second or more. ' +
      'CPU is % of one core during the measured part: gateway / simulator / load generator (2 cores = 200%); in the ' +
      '"bare Node proxy" rows the first figure and "gw CPU µs/req" are that proxy\'s (`bench/baseline-proxy.ts`: Fastify and undici ' +
      'like the gateway, passing the simulator\'s bytes through untouched, the least a Node proxy costs on this machine). ' +
      `The per-provider rows pin the deployment (\`groq/...\`, \`cerebras/...\`). Gateway streams go upstream as streams even for \`stream: false\`. ` +
      'A p99 of seconds at 200 connections is the first request of some connections: autocannon opens all of them at once, and ' +
      'against a saturated single-threaded server some first requests wait until the run ends while the other connections keep ' +
      'going (a bare node:http server that spends 600 µs of CPU per request does the same; see the accept-queue column for ' +
      'whether the kernel played a part).',
    '',
  );
  out.push(matrixTable(cells), '');
  if (data.runs.length > 1) {
    out.push('req/s of each run:', '');
    out.push(
      table(
        ['request', 'conns', ...data.runs.map((_, index) => `run ${index + 1}`)],
        cells.map((cell) => [
          TARGETS[cell.target].label,
          String(cell.connections),
          ...data.runs.map((run) => int(cellOf(run, cell.target, cell.connections)?.requestsPerSec ?? Number.NaN)),
        ]),
      ),
      '',
    );
  }

  const served = data.runs.flat().filter((cell) => TARGETS[cell.target].via === 'gateway').reduce((total, cell) => total + cell.requests, 0);
  const memoryRow = (label: string, snapshot: MemorySnapshot) => [
    label,
    mb(snapshot.rss),
    mb(snapshot.heapUsed),
    mb(snapshot.heapTotal),
    mb(snapshot.external),
  ];
  out.push('### Gateway memory', '');
  out.push(
    `After a full garbage collection (\`--expose-gc\`, called by the probe only here). Heap used that grows with the number of ` +
      'requests served would be a leak; RSS also keeps the heap V8 grew under load and does not give it back at once. ' +
      'The long streams below run on a freshly started gateway.',
    '',
  );
  out.push(
    table(
      ['gateway', 'RSS', 'heap used', 'heap total', 'external'],
      [
        memoryRow('freshly started (before the long streams)', data.memory.idle),
        memoryRow(`after the short runs (${int(served)} measured requests, plus warm-ups and sequential)`, data.memory.afterShortRuns),
      ],
    ),
    '',
  );

  out.push('## Time to first byte and added latency at 1 connection', '');
  if (seq) {
    out.push(
      `${seq.count} requests to each side, one at a time over a kept-alive connection, timed with \`performance.now()\`: ` +
'TTFB until the body chunk holding the first content token; "whole response" until its end. Direct = the simulator\'s ' +
        'Groq stream; bare Node proxy = `bench/baseline-proxy.ts` (Fastify and undici like the gateway, passing the bytes through ' +
        'untouched: the least a Node proxy pays on this machine); gateway = `POST /chat` SSE. ' +
        (seq.failures ? `**${seq.failures} responses were not whole answers.**` : 'Every response was checked whole.'),
      '',
    );
    const rows = (measure: string, spreads: SequentialSummary['ttfb']) =>
      (['direct', 'baseline', 'gateway'] as const).map((side) => [
        measure,
        { direct: 'direct', baseline: 'bare Node proxy', gateway: 'gateway' }[side],
        ms(spreads[side].p50, 3),
        side === 'direct' ? '' : ms(spreads[side].p50 - spreads.direct.p50, 3),
        ms(spreads[side].p99, 3),
        side === 'direct' ? '' : ms(spreads[side].p99 - spreads.direct.p99, 3),
      ]);
    out.push(
      table(
        ['', 'via', 'p50 ms', 'added p50 ms', 'p99 ms', 'added p99 ms'],
        [...rows('time to first byte', seq.ttfb), ...rows('whole response', seq.total)],
      ),
      '',
    );
  } else out.push('not run', '');

  if (data.profile) {
    const p = data.profile;
    const share = (value: number) => `${(100 * value).toFixed(1)}%`;
    const rows = (list: ProfileSummary['packages']) => list.map((entry) => [`\`${entry.name.replaceAll('|', '\\|')}\``, share(entry.self), share(entry.total)]);
    out.push('### Where the gateway\'s CPU goes (`--profile`)', '');
    out.push(
      `A V8 CPU profile of the gateway over ${(p.durationMs / 1000).toFixed(1)} s of \`/chat\` SSE at ${settings.referenceConnections} ` +
        `connections (${int(p.samples)} samples; \`${p.file.replace(`${process.cwd()}/`, '')}\`, open it in Chrome DevTools or speedscope). ` +
        '"self": samples with it on top of the stack; "total": anywhere on the stack. The profiler itself costs some throughput.',
      '',
    );
    out.push(table(['package', 'self', 'total'], rows(p.packages)), '');
    out.push(table(['function (by self time)', 'self', 'total'], rows(p.functions)), '');
    out.push(table(['gateway function (dist/, by total time)', 'self', 'total'], rows(p.gateway)), '');
  }

  out.push('## Long streams', '');
  out.push(
    '`POST /chat` SSE streams started all at once from one node:http client (no socket limit). Each must end with `done` after ' +
      'exactly 100 deltas of the expected text. Ideal duration of one stream: 200 + 99 × 20 = 2,180 ms. "peak upstream": the most ' +
      'streams the simulator had open at once; it falls short of the number of streams when the gateway opens the last ones after ' +
      'the first have ended (see first token p99), not only when something caps concurrency. RSS and event-loop delay (beyond ' +
      'the 10 ms sampling interval) from the gateway\'s probe over the run; the gateway was started afresh before the first run. ' +
      'The kernel counters (this network namespace) show connections that found an accept queue full and were retried ' +
      'a second or more later; the simulator listens with a backlog of 4,096, so those are the gateway\'s (Node\'s default 511).',
    '',
  );
  out.push(longStreamTable(data.longStreams, 'gateway RSS before → peak'), '');
  if (data.baselineLongStreams.length > 0) {
    out.push(
      'The same streams through the bare Node proxy (started afresh; it relays the provider\'s chunks as they come, and runs ' +
        'under tsx, whose loader thread adds to its RSS): what any Node proxy needs for them on this machine, the floor under ' +
        'the gateway\'s figures.',
      '',
    );
    out.push(longStreamTable(data.baselineLongStreams, 'bare proxy RSS before → peak'), '');
  }

  out.push('## Client hang-up', '');
  if (data.hangup) {
    const h = data.hangup;
    out.push(
      `\`POST /chat\` SSE streams started at once; the simulator sends the first token at 200 ms and then nothing for ` +
        `${HANGUP_PAUSE_MS / 1000} s, so no stream ends by itself during the check. Once every client had its first token (or ` +
        `${HANGUP_WAIT_S} s had passed), every client connection was destroyed at the same moment; one second later the ` +
        'simulator counted the upstream streams still open. "open before" is also the number of upstream streams the gateway ' +
        'held at once.',
      '',
    );
    out.push(
      table(
        ['streams', 'first token before the hang-up', 'hang-up after ms', 'reached upstream', 'open before', 'open 1 s after', 'ended by the gateway', 'gateway cancellations (GET /usage)', 'accept-queue overflows / SYN retransmits'],
        [
          [
            int(h.total),
            int(h.gotFirstToken),
            int(h.hungUpAfterMs),
            int(h.startedUpstream),
            int(h.openUpstreamBefore),
            `**${int(h.openUpstreamAfter1s)}**`,
            int(h.abortedUpstream),
            h.gatewayCancellations === null ? 'n/a' : int(h.gatewayCancellations),
            h.tcp ? `${h.tcp.listenOverflows} / ${h.tcp.synRetransmits}` : 'n/a',
          ],
        ],
      ),
      '',
    );
  } else out.push('not run', '');

  out.push('## Redis mode', '');
  if ('skipped' in data.redis) out.push(`not run: ${data.redis.skipped}`, '');
  else {
    out.push(
      `\`/chat\` SSE with \`REDIS_URL\` set: a local redis-server ${data.redis.redisVersion} (no persistence) holds the limit windows, ` +
        'reservations and usage; every request checks and reserves in one Lua script and reconciles in another. Compared with the ' +
        'in-memory gateway of the short runs above at the same connection count (one run here; the median there).',
      '',
    );
    out.push(
      table(
        ['conns', 'in-memory req/s', 'Redis req/s', 'Redis / in-memory', 'p50 / p99 ms', 'gw CPU µs/req in-memory → Redis', 'errors'],
        data.redis.cells.map((cell) => {
          const memory = cellOf(cells, 'chat-sse', cell.connections);
          return [
            String(cell.connections),
            memory ? int(memory.requestsPerSec) : 'n/a',
            int(cell.requestsPerSec),
            memory ? pct(cell.requestsPerSec / memory.requestsPerSec) : 'n/a',
            `${ms(cell.latencyP50, 0)} / ${ms(cell.latencyP99, 0)}`,
            `${memory ? int(memory.cpuPerRequestUs.gateway) : 'n/a'} → ${int(cell.cpuPerRequestUs.gateway)}`,
            String(cell.non2xx + cell.errors + cell.mismatches),
          ];
        }),
      ),
      '',
    );
  }
  return out.join('\n');
}

/** The end of docs/benchmarks.md: how to rerun it, and what runs. */
export const HOW_TO_RUN = `## How to run

\`\`\`bash
npm run bench                    # builds, runs everything once (about 9 minutes), writes docs/benchmarks.md
npm run bench -- --runs 3        # the short-run matrix three times, each cell the median (about 20 minutes; docs/performance.md quotes this)
npm run bench -- --quick         # a smoke run (about 2 minutes): 1 s cells, 100 streams; writes nothing
npm run bench -- --quick --out /tmp/bench.md
npm run bench -- --profile       # also a CPU profile of the gateway under /chat SSE load (bench/profiles/, summarised here)
\`\`\`

Environment variables (defaults in brackets; \`--quick\` changes those marked *):

| variable | meaning |
|---|---|
| \`BENCH_DURATION\` | measured seconds per short-run cell [6*] |
| \`BENCH_WARMUP\` | warm-up seconds before each cell, not measured [1.5*] |
| \`BENCH_CONNECTIONS\` | connection counts of the short runs [1,10,50,200] |
| \`BENCH_RUNS\` | repetitions of the short-run matrix, like \`--runs\` [1] |
| \`BENCH_PARITY_ROUNDS\` | rounds of the back-to-back /v1-against-/chat pairs [5*] |
| \`BENCH_SEQUENTIAL\` | sequential requests per side for time to first byte and added latency [1000*] |
| \`BENCH_STREAMS\` | concurrent long-stream runs [100,500,1000*] |
| \`BENCH_HANGUP_STREAMS\` | streams in the hang-up check [1000*] |

What runs: \`bench/run.ts\` starts the provider simulator (\`test/support/simulator/simulator-process.ts\`) and the built gateway
(\`node --import ./bench/probe.mjs dist/main.js\`) as child processes with an IPC channel, on 127.0.0.1 and free ports.
The probe samples the gateway's event-loop delay, RSS and CPU time and reports them on request; the simulator counts
the streams it has open (\`ProviderSimulator.streamStats()\`). Short runs use autocannon (\`bench/load.ts\`); time to
first byte, long streams and the hang-up use plain node:http clients (\`bench/clients.ts\`). Children are stopped at the
end, on an error and on Ctrl-C, and exit on their own if the benchmark process dies. Logs of a failed run are kept in
the temporary directory printed at the start.
`;
