// SIGTERM to a real gateway process (the built app) with answers in flight: readiness turns 503
// and new chat requests are refused at once, an answer that ends within SHUTDOWN_GRACE_MS
// completes, one that does not ends with an SSE `error` frame, and the process exits 0.
import { describe, expect, it } from 'vitest';
import { hello, model, postChat } from '../support/gateway-harness.js';
import { gatewayProcessPerTest } from '../support/gateway-process.js';
import { SseStream } from '../support/sse-stream.js';

const { sim, start } = gatewayProcessPerTest();

describe('SIGTERM', { timeout: 30_000 }, () => {
  it('drains: not ready, new requests refused, a short answer completes, a long one is cut off with an error frame, exit code 0', async () => {
    const gateway = await start({
      models: [model('groq', 'short'), model('groq', 'long')],
      env: { SHUTDOWN_GRACE_MS: '1500', UPSTREAM_IDLE_TIMEOUT_MS: '30000', LOG_FORMAT: 'json' },
    });
    sim.setBehaviour('groq', 'short', { kind: 'ok', content: ['a', 'b', 'c', 'd'], interChunkDelayMs: 250 });
    sim.setBehaviour('groq', 'long', { kind: 'ok', content: ['first', ' never'], pauseAfterFirstTokenMs: 20_000 });
    const short = new SseStream(await postChat(gateway, { ...hello, model: 'groq/short' }));
    const long = new SseStream(await postChat(gateway, { ...hello, model: 'groq/long' }));
    await Promise.all([short.until('delta'), long.until('delta')]);

    const signalledAt = performance.now();
    gateway.kill('SIGTERM');
    // The signal is handled between two event-loop turns: readiness flips right after.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(503);
    const refused = await postChat(gateway, { ...hello, stream: false });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'shutting_down' } });

    const shortEvents = await short.rest();
    expect(shortEvents.at(-1)?.event).toBe('done');
    const longEvents = await long.rest();
    expect(longEvents.map((event) => event.event)).not.toContain('done');
    expect(longEvents.at(-1)).toMatchObject({ event: 'error', data: { code: 'shutting_down' } });

    const exit = await gateway.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const tookMs = performance.now() - signalledAt;
    expect(tookMs).toBeGreaterThanOrEqual(1_400);
    expect(tookMs).toBeLessThan(6_000);
    const lines = gateway.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down: not ready, refusing new chat requests', 'shut down']));
  });

  it('exits 0 at once when nothing is in flight', async () => {
    const gateway = await start({ models: [model('groq', 'm')], env: { SHUTDOWN_GRACE_MS: '10000' } });
    const signalledAt = performance.now();
    gateway.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    expect(performance.now() - signalledAt).toBeLessThan(3_000);
  });
});
