// How a well-behaved client fares while an attack runs: one request at a time, on its own
// connection, for as long as the attack lasts. The hostile suites assert its latencies and that
// every probe answered as expected.
import { Agent, request } from 'undici';

export interface ProbeReport {
  count: number;
  /** Probes that did not get the expected status (or got no answer at all). */
  failures: string[];
  p50: number;
  p99: number;
  max: number;
}

export interface Probe {
  /** Stops probing and reports; waits for the probe in flight. */
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

/** Starts probing `url` + `path` (default `GET /health/live`, expecting 200) until stopped. */
export function startProbe(url: string, options: ProbeOptions = {}): Probe {
  const { method = 'GET', path = '/health/live', body, expectStatus = 200, intervalMs = 20 } = options;
  // Its own pool: the attack's connections must not queue the probe client-side.
  const agent = new Agent({ connections: 1 });
  const latencies: number[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await request(`${url}${path}`, {
          method,
          dispatcher: agent,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        const text = await response.body.text();
        latencies.push(performance.now() - started);
        if (response.statusCode !== expectStatus) failures.push(`${response.statusCode}: ${text.slice(0, 200)}`);
      } catch (error) {
        latencies.push(performance.now() - started);
        failures.push(error instanceof Error ? error.message : String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await agent.close();
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
      return { count: sorted.length, failures, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN };
    },
  };
}
