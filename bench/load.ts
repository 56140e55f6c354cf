// Short runs: autocannon against one target at one connection count, after a warm-up, with the
// CPU each process spent during the measured part.
import autocannon from 'autocannon';
import type { BenchProcess } from './processes.js';
import { tcpCounters, tcpDelta, type TcpCounters } from './tcp-counters.js';
import type { Target } from './workload.js';

export interface LoadSettings {
  durationS: number;
  warmupS: number;
}

export interface LoadResult {
  target: Target['name'];
  connections: number;
  /** autocannon's mean of the per-second request counts. */
  requestsPerSec: number;
  /** Latency to the end of the response (ms, autocannon's histogram: whole milliseconds). */
  latencyP50: number;
  latencyP99: number;
  latencyMean: number;
  requests: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** 2xx responses whose body was not a whole answer (see Target.verify). */
  mismatches: number;
  /** CPU used during the measured part, in % of one core. */
  cpu: { gateway: number; simulator: number; client: number };
  /** CPU microseconds per request, per process. */
  cpuPerRequestUs: { gateway: number; simulator: number };
  /** Event-loop delay p99 of the gateway during the run (ms beyond the sampling interval). */
  gatewayEventLoopP99: number;
  /** Kernel TCP counters over the measured part (warm-up excluded). */
  tcp: TcpCounters | null;
}

export interface Endpoints {
  gateway: string;
  simulator: string;
  baseline: string;
  gatewayProcess: BenchProcess;
  simulatorProcess: BenchProcess;
  baselineProcess: BenchProcess;
}

function attack(target: Target, origin: string, connections: number, durationS: number, verify: boolean) {
  return autocannon({
    url: `${origin}${target.path}`,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    connections,
    duration: durationS,
    timeout: 10,
    // autocannon hands over the whole body as a string (it always collects it).
    ...(verify ? { verifyBody: (body) => typeof body === 'string' && target.verify(body) } : {}),
  });
}

export async function runLoad(target: Target, connections: number, settings: LoadSettings, endpoints: Endpoints): Promise<LoadResult> {
  const origin = endpoints[target.via === 'direct' ? 'simulator' : target.via];
  // The process between the client and the simulator: its CPU is the "gw" column.
  const middle = target.via === 'baseline' ? endpoints.baselineProcess : endpoints.gatewayProcess;
  if (settings.warmupS > 0) await attack(target, origin, connections, settings.warmupS, false);
  await settle();

  await Promise.all([middle.resetProbe(), endpoints.simulatorProcess.resetProbe()]);
  const clientCpu = process.cpuUsage();
  const tcpBefore = tcpCounters();
  const started = performance.now();
  const result = await attack(target, origin, connections, settings.durationS, true);
  const elapsedMs = performance.now() - started;
  const client = process.cpuUsage(clientCpu);
  const tcp = tcpDelta(tcpBefore, tcpCounters());
  const [gateway, simulator] = await Promise.all([middle.probe(), endpoints.simulatorProcess.probe()]);
  await settle();

  const requests = result['2xx'] + result.non2xx;
  const percent = (cpuMs: number, windowMs: number) => (100 * cpuMs) / windowMs;
  const perRequest = (cpuMs: number) => (requests > 0 ? (cpuMs * 1000) / requests : 0);
  // The probes' windows include the moments around the run; the CPU spent is what counts.
  return {
    target: target.name,
    connections,
    requestsPerSec: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMean: result.latency.mean,
    requests,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    cpu: {
      gateway: percent(gateway.cpuMs, elapsedMs),
      simulator: percent(simulator.cpuMs, elapsedMs),
      client: percent((client.user + client.system) / 1000, elapsedMs),
    },
    cpuPerRequestUs: {
      // A direct run goes through neither the gateway nor the bare proxy: its CPU there is idle noise.
      gateway: target.via === 'direct' ? 0 : perRequest(gateway.cpuMs),
      simulator: perRequest(simulator.cpuMs),
    },
    gatewayEventLoopP99: gateway.eventLoopDelayMs.p99,
    tcp,
  };
}

/** Load without measurement, so the gateway's code is compiled hot before the first cell. */
export async function warmUp(target: Target, origin: string, connections: number, seconds: number): Promise<void> {
  await attack(target, origin, connections, seconds, false);
  await settle();
}

/** Lets connections closed by the last run go away before the next one. */
function settle(ms = 250): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
