// Draining in-process (the real SIGTERM path, with the exit code, is test/process/): readiness
// turns 503 at once, new chat requests get 503, answers in flight finish within the grace period
// and those still going after it end with an SSE `error` frame.
import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../src/lifecycle/lifecycle.service.js';
import { gatewayPerTest } from '../support/gateway-client.js';
import { hello, model, parseSse, postChat } from '../support/gateway-harness.js';
import { SseStream } from '../support/sse-stream.js';

const start = gatewayPerTest();

describe('graceful shutdown', () => {
  it('is not ready and refuses new chat requests from the moment it begins, while an answer in flight finishes', async () => {
    const gw = await start({ models: [model('groq', 'm')], env: { SHUTDOWN_GRACE_MS: '5000' } });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['one', ' two', ' three'], interChunkDelayMs: 150 });
    const inFlight = new SseStream(await postChat(gw, hello));
    await inFlight.until('delta');
    let closed = false;

    const shutdown = gw.app.get(Lifecycle).shutDown(async () => {
      closed = true;
    });

    const ready = await fetch(`${gw.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ details: { lifecycle: { status: 'down', state: 'shutting down' } } });
    expect((await fetch(`${gw.url}/health/live`)).status).toBe(200);
    const refused = await postChat(gw, hello);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: { code: 'shutting_down', message: expect.stringContaining('shutting down') } });
    const refusedOpenAi = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', ...hello }),
    });
    expect(refusedOpenAi.status).toBe(503);
    expect(closed).toBe(false);

    const rest = await inFlight.rest();
    expect(rest.map((event) => event.event)).toContain('done');
    await shutdown;
    expect(closed).toBe(true);
    expect(gw.sim.requests).toHaveLength(1);
  });

  it('cuts off an answer still streaming when the grace period ends: it ends with an `error` frame, never a silent truncation', async () => {
    const gw = await start({ models: [model('groq', 'm')], env: { SHUTDOWN_GRACE_MS: '300' } });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['first', ' never'], pauseAfterFirstTokenMs: 10_000 });
    const response = await postChat(gw, hello);
    const stream = new SseStream(response);
    await stream.until('delta');
    const startedAt = performance.now();

    await gw.app.get(Lifecycle).shutDown(async () => {});

    const events = await stream.rest();
    expect(performance.now() - startedAt).toBeLessThan(3_000);
    expect(events.map((event) => event.event)).not.toContain('done');
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'shutting_down' } });
    // Not the model's fault: counted as a cancellation, its circuit untouched.
    await gw.sim.waitFor(() => gw.sim.requests[0]!.aborted);
  });

  it('cuts off a request still waiting for its first token with 503, without falling back', async () => {
    const gw = await start({ models: [model('groq', 'slow'), model('cerebras', 'other')], env: { SHUTDOWN_GRACE_MS: '200', ROTATION_STRATEGY: 'priority' } });
    gw.sim.setBehaviour('groq', 'slow', { kind: 'hang' });
    const pending = postChat(gw, { ...hello, model: 'groq/slow', stream: false });
    await gw.sim.waitFor(() => gw.sim.requests.length === 1);

    await gw.app.get(Lifecycle).shutDown(async () => {});

    const response = await pending;
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'shutting_down' } });
    expect(gw.sim.requestsFor('cerebras')).toHaveLength(0);
  });

  it('cuts off an OpenAI-style stream with an error chunk too', async () => {
    const gw = await start({ models: [model('groq', 'm')], env: { SHUTDOWN_GRACE_MS: '200' } });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['first', ' never'], pauseAfterFirstTokenMs: 10_000 });
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', stream: true, ...hello }),
    });
    const reading = response.text();
    await gw.sim.waitFor(() => gw.sim.requests.length === 1);

    await gw.app.get(Lifecycle).shutDown(async () => {});

    const text = await reading;
    expect(text).not.toContain('[DONE]');
    expect(parseSse(text).at(-1)?.data).toMatchObject({ error: { code: 'shutting_down' } });
  });
});
