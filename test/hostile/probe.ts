// How a well-behaved client fares while an attack runs: one request at a time, on one kept-alive
// connection, from a process of its own, so that the attack's clients (and the simulator) in the
// test process do not slow the probe down: what it measures is the gateway.
import { spawn } from 'node:child_process';

export interface ProbeReport {
  count: number;
  /** Probes that did not get the expected status (or got no answer at all). */
  failures: string[];
  p50: number;
  p99: number;
  max: number;
}

export interface Probe {
  /** Stops probing and reports; waits for the probe in flight. Calling it again returns the same report. */
  stop(): Promise<ProbeReport>;
}

export interface ProbeOptions {
  method?: 'GET' | 'POST';
  path?: string;
  body?: unknown;
  expectStatus?: number;
  /** Pause between two probes. */
  intervalMs?: number;
}

const PROBE_SCRIPT = `
import { Agent, request } from 'node:http';
const { url, method, body, expectStatus, intervalMs } = JSON.parse(process.argv[1]);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const latencies = [];
const failures = [];
let running = true;
process.stdin.on('data', () => (running = false));
process.stdin.on('end', () => (running = false));
const once = () => new Promise((resolve) => {
  const started = performance.now();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const req = request(url, { method, agent, timeout: 10_000, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => (text += chunk));
    res.on('end', () => {
      latencies.push(performance.now() - started);
      if (res.statusCode !== expectStatus) failures.push(res.statusCode + ': ' + text.slice(0, 200));
      resolve();
    });
  });
  req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
  req.on('error', (error) => {
    latencies.push(performance.now() - started);
    failures.push(error.message);
    resolve();
  });
  req.end(payload);
});
while (running) {
  await once();
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
latencies.sort((a, b) => a - b);
const at = (q) => (latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
process.stdout.write(JSON.stringify({ count: latencies.length, failures, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? null }));
agent.destroy();
`;

/** Starts probing `url` + `path` (default `GET /health/live`, expecting 200) until stopped. */
export function startProbe(url: string, options: ProbeOptions = {}): Probe {
  const { method = 'GET', path = '/health/live', body, expectStatus = 200, intervalMs = 20 } = options;
  const settings = JSON.stringify({ url: `${url}${path}`, method, body, expectStatus, intervalMs });
  const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT, settings], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let report: Promise<ProbeReport> | undefined;
  return {
    stop() {
      report ??= (async () => {
        child.stdin.end('stop');
        await exited;
        const parsed = JSON.parse(output) as { count: number; failures: string[]; p50: number | null; p99: number | null; max: number | null };
        return { ...parsed, p50: parsed.p50 ?? Number.NaN, p99: parsed.p99 ?? Number.NaN, max: parsed.max ?? Number.NaN };
      })();
      return report;
    },
  };
}
