// Misbehaving clients against the built app as a real process (its own event loop, as in
// production), the provider simulator in this process. Each attack checks what it does to the
// attacker, that nothing is charged to a provider, and that other clients are served meanwhile.
import { describe, expect, it } from 'vitest';
import { eventually, getModels, getUsage } from '../support/gateway-client.js';
import { model } from '../support/gateway-harness.js';
import { gatewayProcessPerTest, type GatewayProcess } from '../support/gateway-process.js';
import { abandonedUpload, alarmingLines, pausedReader, residentMb, trickledBody } from './hostile-clients.js';
import { startProbe } from './probe.js';

/** Answers far larger than the socket buffers, so a reader that stops holds the writer back. */
const LARGE_ANSWER = Array.from({ length: 300 }, (_, i) => `${i}:${'x'.repeat(32 * 1024)}`);
const PROBE_P99_MS = 100;

const processes = gatewayProcessPerTest();
const { sim } = processes;

function start(env: Record<string, string> = {}): Promise<GatewayProcess> {
  return processes.start({
    models: [model('groq', 'large'), model('cerebras', 'large'), model('groq', 'small')],
    env: { ROTATION_STRATEGY: 'round-robin', ...env },
  });
}

function answerLarge(): void {
  sim.setBehaviour('groq', 'large', { kind: 'ok', content: LARGE_ANSWER });
  sim.setBehaviour('cerebras', 'large', { kind: 'ok', content: LARGE_ANSWER });
}

const largeBody = { model: 'large', messages: [{ role: 'user', content: 'Tell me everything.' }] };
const v1LargeBody = { ...largeBody, stream: true };
const responsesLargeBody = { model: 'large', input: 'Tell me everything.', stream: true };

describe('clients that stop reading', () => {
  it('a pause longer than the idle timeout is not a provider stall: every answer completes, no circuit opens, memory stays bounded', async () => {
    const gw = await start({ UPSTREAM_IDLE_TIMEOUT_MS: '1000', CLIENT_WRITE_TIMEOUT_MS: '10000' });
    answerLarge();
    const rssBefore = residentMb(gw.pid);
    const readers = [
      ...Array.from({ length: 5 }, () => pausedReader(`${gw.url}/chat`, largeBody, 4_000)),
      ...Array.from({ length: 5 }, () => pausedReader(`${gw.url}/v1/chat/completions`, v1LargeBody, 4_000)),
    ];
    // Once the socket buffers are full, every reader is paused (the attack): the gateway holds
    // what it has, not whole answers, and serves others. Before, and after they resume, the
    // readers download ~100 MB, which is load, not an attack.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const live = startProbe(gw.url);
    const chat = startProbe(gw.url, { method: 'POST', path: '/chat', body: { model: 'small', messages: [{ role: 'user', content: 'hi' }], stream: false }, intervalMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const rssPaused = residentMb(gw.pid);
    const [liveReport, chatReport] = await Promise.all([live.stop(), chat.stop()]);
    const results = await Promise.all(readers.map((reader) => reader.done));

    // /chat ends with `done`, /v1 with `[DONE]`; neither carries an error.
    const endings = results.map((result) => ({
      status: result.status,
      cut: result.cut,
      complete: result.body.includes('event: done') || result.body.includes('data: [DONE]'),
      failed: result.body.includes('event: error') || result.body.includes('"error"'),
      lastChunk: result.body.includes(`299:${'x'.repeat(100)}`),
    }));
    expect(endings).toEqual(results.map(() => ({ status: 200, cut: false, complete: true, failed: false, lastChunk: true })));
    expect(results.slice(0, 5).every((result) => result.body.includes('event: done'))).toBe(true);
    expect(results.slice(5).every((result) => result.body.includes('data: [DONE]'))).toBe(true);
    // 10 answers of ~10 MB each: buffered whole they would add hundreds of MB.
    expect(rssPaused - rssBefore).toBeLessThan(80);
    const models = await getModels(gw);
    for (const key of ['groq/large', 'cerebras/large']) {
      const view = models.models.find((entry) => entry.key === key)!;
      expect(view.circuit.state).toBe('closed');
      expect(view.circuit.recentFailures).toBe(0);
    }
    const usage = await getUsage(gw);
    expect(usage.models.reduce((sum, entry) => sum + entry.totals.failures, 0)).toBe(0);
    expect(sim.requests.filter((request) => request.model === 'large').every((request) => request.completed && !request.aborted)).toBe(true);
    expect(liveReport.failures).toEqual([]);
    expect(chatReport.failures).toEqual([]);
    expect(liveReport.p99).toBeLessThan(PROBE_P99_MS);
  });

  it('a client that reads nothing for CLIENT_WRITE_TIMEOUT_MS is disconnected and booked as its own cancellation, not a provider failure', async () => {
    const gw = await start({ UPSTREAM_IDLE_TIMEOUT_MS: '1000', CLIENT_WRITE_TIMEOUT_MS: '3000' });
    answerLarge();
    const readers = [
      // Ten streams over the three chat routes (more would measure this machine's CPU, not the timeout).
      ...Array.from({ length: 4 }, () => pausedReader(`${gw.url}/chat`, largeBody, Number.POSITIVE_INFINITY)),
      ...Array.from({ length: 3 }, () => pausedReader(`${gw.url}/v1/chat/completions`, v1LargeBody, Number.POSITIVE_INFINITY)),
      ...Array.from({ length: 3 }, () => pausedReader(`${gw.url}/v1/responses`, responsesLargeBody, Number.POSITIVE_INFINITY)),
    ];
    // From when the socket buffers are full (see above) until the readers have been cut off.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const live = startProbe(gw.url);
    try {
      // Loopback's socket buffers take a whole answer from the simulator: what shows the cut is
      // the gateway's own booking, once CLIENT_WRITE_TIMEOUT_MS has passed.
      const large = await eventually(async () => {
        const entries = (await getUsage(gw)).models.filter((entry) => entry.key.endsWith('/large'));
        expect(entries.reduce((sum, entry) => sum + entry.totals.cancellations, 0)).toBe(10);
        return entries;
      }, 10_000);
      expect(large.reduce((sum, entry) => sum + entry.totals.failures, 0)).toBe(0);
      expect(large.reduce((sum, entry) => sum + entry.totals.inFlight, 0)).toBe(0);
      const models = await getModels(gw);
      for (const view of models.models) expect(view.circuit.state).toBe('closed');
      expect(models.models.every((view) => view.available)).toBe(true);
      const report = await live.stop();
      expect(report.failures).toEqual([]);
      expect(report.p99).toBeLessThan(PROBE_P99_MS);
      // Told apart from an upstream stall: no error frame was written for a provider fault.
      expect(gw.output()).not.toContain('upstream_timeout');
    } finally {
      for (const reader of readers) (await reader.socket).destroy();
      await live.stop();
    }
  });
});

describe('clients that send slowly or not at all', () => {
  it('a body trickled a byte at a time gets 408 in the error shape within REQUEST_BODY_TIMEOUT_MS (+1 s), for 200 connections at once', async () => {
    const gw = await start({ REQUEST_BODY_TIMEOUT_MS: '2000' });
    const port = Number(new URL(gw.url).port);
    const live = startProbe(gw.url);
    const attacks = [
      ...Array.from({ length: 100 }, () => trickledBody(port, '/chat', 200)),
      ...Array.from({ length: 100 }, () => trickledBody(port, '/v1/chat/completions', 200)),
    ];
    const results = await Promise.all(attacks);
    const report = await live.stop();

    for (const { answer, closedAfterMs } of results) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfterMs).toBeGreaterThan(1_900);
      expect(closedAfterMs).toBeLessThan(4_500);
    }
    const bodies = results.map(({ answer }) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; type?: string } });
    // The documented shape on /chat, OpenAI's on /v1.
    expect(bodies.slice(0, 100).every((body) => body.error.code === 'request_timeout' && body.error.type === undefined)).toBe(true);
    expect(bodies.slice(100).every((body) => body.error.code === 'request_timeout' && body.error.type === 'api_error')).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.p99).toBeLessThan(PROBE_P99_MS);
    expect(sim.requests).toHaveLength(0);
    expect(alarmingLines(gw.output())).toEqual([]);
  });

  it('uploads abandoned halfway are the client’s business: no error-level log line, no stack trace', async () => {
    const gw = await start();
    const port = Number(new URL(gw.url).port);
    await Promise.all(Array.from({ length: 50 }, (_, i) => abandonedUpload(port, i % 2 === 0 ? '/chat' : '/v1/chat/completions')));
    // Still serving, and the hang-ups left nothing alarming behind.
    const response = await fetch(`${gw.url}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'small', messages: [{ role: 'user', content: 'hi' }], stream: false }),
    });
    expect(response.status).toBe(200);
    expect(alarmingLines(gw.output())).toEqual([]);
    expect(gw.output()).not.toContain('abortIncoming');
  });
});

describe('bodies built to be expensive', () => {
  const message = { role: 'user', content: 'x' };
  const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
  const tooMany = 'more than 65536 JSON values';
  // Refused unparsed (413) past the count of values any real request has; below it, before validation (400).
  const cases: Array<{ name: string; path: string; body: unknown; status: number; says: string }> = [
    { name: '60,000 messages', path: '/chat', body: { messages: Array.from({ length: 60_000 }, () => message) }, status: 413, says: tooMany },
    { name: '60,000 messages on /v1', path: '/v1/chat/completions', body: { model: 'auto', messages: Array.from({ length: 60_000 }, () => message) }, status: 413, says: tooMany },
    { name: '200,000 stop sequences', path: '/chat', body: { messages: [message], stop: Array.from({ length: 200_000 }, () => 'x') }, status: 413, says: tooMany },
    { name: 'a JSON schema of 100,000 properties', path: '/v1/chat/completions', body: { model: 'auto', messages: [message], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: wide } } }, status: 413, says: tooMany },
    { name: '100,000 unknown fields', path: '/chat', body: { messages: [message], ...wide }, status: 413, says: tooMany },
    { name: '10,000 messages', path: '/chat', body: { messages: Array.from({ length: 10_000 }, () => message) }, status: 400, says: 'must contain at most 256 messages' },
    { name: '10,000 stop sequences', path: '/chat', body: { messages: [message], stop: Array.from({ length: 10_000 }, () => 'x') }, status: 400, says: 'stop must contain at most 4096 items' },
    { name: 'a JSON schema of 5,000 properties', path: '/v1/chat/completions', body: { model: 'auto', messages: [message], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i])) } } }, status: 400, says: 'must have at most 1024 properties' },
  ];

  it('each is refused with a clear 4xx, at a cost bounded by the limit, while other clients are served', async () => {
    const gw = await start();
    const live = startProbe(gw.url);
    const texts = cases.map((entry) => JSON.stringify(entry.body));
    // 4 attackers, each sending every kind 3 times, one after another.
    const attacker = async () => {
      const seen: Array<{ name: string; status: number; text: string }> = [];
      for (let round = 0; round < 3; round++) {
        for (const [i, entry] of cases.entries()) {
          const response = await fetch(`${gw.url}${entry.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: texts[i] });
          seen.push({ name: entry.name, status: response.status, text: await response.text() });
        }
      }
      return seen;
    };
    const seen = (await Promise.all(Array.from({ length: 4 }, attacker))).flat();
    const report = await live.stop();

    for (const { name, status, text } of seen) {
      const expected = cases.find((entry) => entry.name === name)!;
      expect({ name, status }).toEqual({ name, status: expected.status });
      expect(text).toContain(expected.says);
    }
    expect(sim.requests).toHaveLength(0);
    expect(report.failures).toEqual([]);
    expect(report.p99).toBeLessThan(PROBE_P99_MS);
  });
});

describe('many streams at once', () => {
  it('20 concurrent streams leave no listener warning on stderr', async () => {
    const gw = await start();
    sim.setBehaviour('groq', 'small', { kind: 'ok', interChunkDelayMs: 100 });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${gw.url}/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'small', messages: [{ role: 'user', content: 'hi' }] }),
        }).then((response) => response.text()),
      ),
    );
    for (const text of responses) expect(text).toContain('event: done');
    expect(gw.output()).not.toContain('MaxListenersExceededWarning');
    expect(alarmingLines(gw.output())).toEqual([]);
  });
});

describe('readiness probes during an outage', () => {
  it('log one line when readiness changes, not one per probe', async () => {
    const gw = await start({ GROQ_API_KEY: '', CEREBRAS_API_KEY: '' });
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${gw.url}/health/ready`);
      expect(response.status).toBe(503);
      await response.arrayBuffer();
    }
    const lines = gw.output().split('\n').filter((line) => line.includes('not ready') || line.includes('Health Check has failed'));
    expect(lines).toHaveLength(1);
    expect(alarmingLines(gw.output())).toEqual([]);
  });
});
