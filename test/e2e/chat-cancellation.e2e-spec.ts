// A client that goes away: the upstream request is aborted and the request counts as cancelled.
import { describe, expect, it } from 'vitest';
import type { ProviderName } from '../support/simulator/provider-simulator.js';
import { eventually, gatewayPerTest, getUsage } from '../support/gateway-client.js';
import { hello, model, postChat, type Gateway } from '../support/gateway-harness.js';
import { SseStream } from '../support/sse-stream.js';

const start = gatewayPerTest();

const PROVIDERS: ProviderName[] = ['groq', 'cerebras'];

/** Waits until the simulator saw the abort and GET /usage books one cancellation and nothing else. */
async function expectCancelled(gw: Gateway): Promise<void> {
  await gw.sim.waitFor(() => gw.sim.requests.length === 1 && gw.sim.requests[0]!.aborted);
  expect(gw.sim.requests[0]!.completed).toBe(false);
  const report = await eventually(async () => {
    const report = await getUsage(gw);
    expect(report.totals.cancellations).toBe(1);
    return report;
  });
  expect(report.totals).toMatchObject({ requests: 1, cancellations: 1, completed: 0, failures: 0, inFlight: 0 });
  expect(report.models[0]!.windows.minute.reservedTokens).toBe(0);
}

/** Sends `body` and disconnects once the request has reached upstream; returns the client's fetch. */
async function disconnectOnceUpstream(gw: Gateway, body: object = hello): Promise<Response> {
  const client = new AbortController();
  const pending = postChat(gw, body, {}, client.signal);
  await gw.sim.waitFor(() => gw.sim.requests.length === 1);
  client.abort();
  return pending;
}

for (const provider of PROVIDERS) {
  describe(`${provider} upstream`, () => {
    it('aborts the upstream request and counts a cancellation when the client disconnects mid-stream (SSE)', async () => {
      const gw = await start({ models: [model(provider, 'm')] });
      gw.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['first', ' never'], pauseAfterFirstTokenMs: 5_000 });
      const client = new AbortController();

      const stream = new SseStream(await postChat(gw, hello, {}, client.signal));
      const first = await stream.until('delta');
      client.abort();

      expect(first.data).toEqual({ content: 'first' });
      await expectCancelled(gw);
    });

    it('aborts the upstream request and counts a cancellation when the client disconnects before the first token', async () => {
      const gw = await start({ models: [model(provider, 'm')] });
      gw.sim.setBehaviour(provider, 'm', { kind: 'hang' });

      await expect(disconnectOnceUpstream(gw)).rejects.toMatchObject({ name: 'AbortError' });
      await expectCancelled(gw);
    });

    it('aborts the upstream request and counts a cancellation when a plain-text client disconnects mid-answer', async () => {
      const gw = await start({ models: [model(provider, 'm')] });
      gw.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['first', ' never'], pauseAfterFirstTokenMs: 5_000 });
      const client = new AbortController();

      const response = await postChat(gw, hello, { accept: 'text/plain' }, client.signal);
      const reader = response.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('first');
      client.abort();

      await expectCancelled(gw);
    });

    it('aborts the upstream request and counts a cancellation when a stream:false client disconnects while waiting', async () => {
      const gw = await start({ models: [model(provider, 'm')] });
      gw.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['first', ' never'], pauseAfterFirstTokenMs: 5_000 });

      await expect(disconnectOnceUpstream(gw, { ...hello, stream: false })).rejects.toMatchObject({ name: 'AbortError' });
      await expectCancelled(gw);
    });
  });
}

it('does not fall back to another model when the client disconnects before the first token', async () => {
  const gw = await start({
    models: [model('groq', 'first', { priority: 1 }), model('cerebras', 'second', { priority: 2 })],
    env: { ROTATION_STRATEGY: 'priority' },
  });
  gw.sim.setBehaviour('groq', 'first', { kind: 'hang' });

  await expect(disconnectOnceUpstream(gw)).rejects.toMatchObject({ name: 'AbortError' });
  await expectCancelled(gw);
  expect(gw.sim.requestsFor('cerebras')).toHaveLength(0);
});
