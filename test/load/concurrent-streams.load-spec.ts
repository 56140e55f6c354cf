// Many long streams at once through one gateway (set-up and why in load-harness.ts).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answer, chatBody, LoadClient, requireOpenFiles, startLoadGateway, type LoadGateway } from './load-harness.js';
import { loadProfile } from './load-profile.js';

const { name: profile, concurrentStreams: load } = loadProfile();
const expected = answer(load.tokens);
let gw: LoadGateway;
let client: LoadClient;

beforeAll(async () => {
  requireOpenFiles(load.streams);
  [gw, client] = await Promise.all([startLoadGateway(), LoadClient.start()]);
});

afterAll(async () => {
  await Promise.all([gw?.close(), client?.stop()]);
});

it(
  `${load.streams} concurrent SSE streams from a slow upstream (${load.tokens} tokens, ${load.interChunkDelayMs} ms apart) ` +
    'all end with every delta in order and done last',
  async () => {
    await gw.sim.setBehaviour({
      kind: 'ok',
      content: expected,
      firstTokenDelayMs: load.firstTokenDelayMs,
      interChunkDelayMs: load.interChunkDelayMs,
    });
    await gw.sim.resetStreamStats();

    const result = await client.concurrent({ url: gw.url, body: chatBody(), streams: load.streams, expected, deadlineMs: load.deadlineMs });
    const upstream = await gw.sim.streamStats();
    console.log(
      `[load:${profile}] ${result.completed}/${load.streams} streams complete in ${(result.elapsedMs / 1000).toFixed(1)} s ` +
        `(first delta p50 ${result.firstDeltaMs.p50.toFixed(0)} ms, last ${result.firstDeltaMs.max.toFixed(0)} ms); ` +
        `upstream: ${upstream.started} started, ${upstream.peakOpen} open at once at most`,
    );

    expect(result.failures).toEqual({});
    expect(result.completed).toBe(load.streams);
    // One upstream stream per client: no retry and no fallback under load.
    expect(upstream.started).toBe(load.streams);
    expect(upstream.open).toBe(0);
    // The streams really ran side by side upstream, not queued behind a connection cap (all of
    // them on an idle machine; the first ones end after ~2 s, so a busy one starts the last later).
    expect(upstream.peakOpen, 'streams open upstream at once').toBeGreaterThanOrEqual(load.streams / 2);
  },
  load.deadlineMs + 60_000,
);
