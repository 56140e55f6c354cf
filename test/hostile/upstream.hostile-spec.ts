// A provider that lies, stalls the parser or floods the gateway, against the built app as a real
// process: nothing it sends may be believed unchecked (usage, rate-limit headers), nothing it
// sends may grow the gateway's memory without bound or block its event loop, and what it sends
// correctly but awkwardly (one byte per read) must still arrive exactly.
import { describe, expect, it } from 'vitest';
import type { Behaviour } from '../support/simulator/provider-simulator.js';
import { getModels, getUsage, modelView } from '../support/gateway-client.js';
import { model, parseSse, postChat, type SseEvent } from '../support/gateway-harness.js';
import { gatewayProcessPerTest, type GatewayProcess } from '../support/gateway-process.js';
import { parsePrometheusText, samplesOf, valueOf } from '../support/prometheus-text.js';
import { residentMb } from './hostile-clients.js';
import { startProbe } from './probe.js';

/** The caps the gateway documents (src/providers): 24 h for any wait, 10M tokens per usage field. */
const MAX_UPSTREAM_WAIT_MS = 24 * 60 * 60 * 1000;

const processes = gatewayProcessPerTest();
const { sim } = processes;

/** One groq and one cerebras deployment, reachable pinned as `groq/g` and `cerebras/c`. */
function start(env: Record<string, string> = {}): Promise<GatewayProcess> {
  return processes.start({ env, models: [model('groq', 'g', { model: 'shared' }), model('cerebras', 'c', { model: 'shared' })] });
}

const ask = (pinned: string, extra: Record<string, unknown> = {}) => ({ model: pinned, messages: [{ role: 'user', content: 'Say hello.' }], ...extra });

async function chatSse(gw: GatewayProcess, body: unknown): Promise<{ status: number; events: SseEvent[] }> {
  const response = await postChat(gw, body);
  return { status: response.status, events: parseSse(await response.text()) };
}

/** The parts of an OpenAI chat completion these tests read. */
interface OpenAiCompletion {
  choices: Array<{ message: { content: string } }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

async function openAiChat(gw: GatewayProcess, body: unknown): Promise<{ status: number; json: OpenAiCompletion | undefined; text: string }> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json: OpenAiCompletion | undefined;
  try {
    json = JSON.parse(text) as OpenAiCompletion;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function scrape(gw: GatewayProcess) {
  return parsePrometheusText(await (await fetch(`${gw.url}/metrics`)).text());
}

const isCount = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Usage the client may be shown: small non-negative integers under these names (the estimate for a short prompt). */
const sensibleUsage = (...fields: string[]) =>
  Object.fromEntries(fields.map((field) => [field, expect.toSatisfy((value: unknown) => isCount(value) && (value as number) < 1_000)]));

const MB = 1024 * 1024;

describe('usage a provider reports', () => {
  const lies: Array<[string, unknown]> = [
    ['negative', { prompt_tokens: -1_000_000, completion_tokens: 5, total_tokens: -999_995 }],
    ['strings', { prompt_tokens: 'abc', completion_tokens: '111', total_tokens: 'abc111' }],
    ['1e300', { prompt_tokens: 1e300, completion_tokens: 1e300, total_tokens: 1e300 }],
    ['a total that does not add up', { prompt_tokens: 3, completion_tokens: 4, total_tokens: 9_999_999 }],
  ];

  it('is dropped for the estimate when it is not integers in range: /usage stays numeric, windows never negative, the client sees numbers, the anomaly is counted', async () => {
    const gw = await start();
    const behaviours: Behaviour[] = lies.map(([, rawUsage]) => ({ kind: 'ok', rawUsage }));
    sim.setBehaviour('groq', 'g', ...behaviours, ...behaviours);
    sim.setBehaviour('cerebras', 'c', ...behaviours, ...behaviours);

    for (const [provider, id] of [['groq', 'g'], ['cerebras', 'c']] as const) {
      for (const [lie] of lies) {
        const { status, events } = await chatSse(gw, ask(`${provider}/${id}`));
        const done = events.find((event) => event.event === 'done')?.data as { usage: Record<string, unknown> } | undefined;
        expect({ provider, lie, status, usage: done?.usage }).toEqual({ provider, lie, status: 200, usage: sensibleUsage('promptTokens', 'completionTokens', 'totalTokens') });
      }
      for (const [lie] of lies) {
        const { status, json } = await openAiChat(gw, ask(`${provider}/${id}`));
        const usage = json?.usage;
        expect({ provider, lie, status, usage }).toEqual({ provider, lie, status: 200, usage: sensibleUsage('prompt_tokens', 'completion_tokens', 'total_tokens') });
        expect(usage!.total_tokens).toBe(usage!.prompt_tokens + usage!.completion_tokens);
      }
    }

    const report = await getUsage(gw);
    // Every counter a plain count, and small: what the estimate gives for a few short requests.
    const counters: Array<[string, unknown]> = [
      ...Object.entries(report.totals).map(([field, value]): [string, unknown] => [`totals.${field}`, value]),
      ...report.models.flatMap((entry) => [
        ...Object.entries(entry.totals).map(([field, value]): [string, unknown] => [`${entry.key} totals.${field}`, value]),
        ...Object.entries(entry.windows).flatMap(([name, window]) =>
          (['requests', 'promptTokens', 'completionTokens', 'reservedTokens'] as const).map((field): [string, unknown] => [`${entry.key} ${name}.${field}`, window[field]]),
        ),
      ]),
    ];
    expect(counters.filter(([, value]) => !isCount(value) || (value as number) > 10_000)).toEqual([]);

    const scraped = await scrape(gw);
    for (const provider of ['groq', 'cerebras']) {
      expect(valueOf(scraped, 'llm_gateway_upstream_anomalies_total', { provider, kind: 'invalid_usage' })).toBe(2 * lies.length);
    }
    expect(samplesOf(scraped, 'llm_gateway_tokens_total').filter((sample) => !(sample.value >= 0 && sample.value < 10_000))).toEqual([]);
  });
});

describe('waits a provider asks for', () => {
  it('a retry-after of 99999999 s cools the deployment down for at most 24 h, and resets and counts from the headers are kept sane', async () => {
    const gw = await start();
    sim.setBehaviour('groq', 'g', { kind: 'error', status: 429, headers: { 'retry-after': '99999999' } });
    sim.setRateLimitHeaders('cerebras', 'c', {
      'x-ratelimit-remaining-tokens-minute': '-999900',
      'x-ratelimit-limit-tokens-minute': 'NaN',
      'x-ratelimit-reset-requests-day': '99999999999',
    });

    const before = Date.now();
    const { status } = await chatSse(gw, ask('groq/g'));
    expect(status).toBe(429);
    expect((await chatSse(gw, ask('cerebras/c'))).status).toBe(200);
    const after = Date.now();

    const limited = await modelView(gw, 'groq/g');
    expect(limited.cooldownUntil).not.toBeNull();
    const until = Date.parse(limited.cooldownUntil!);
    expect(until).toBeGreaterThanOrEqual(before + MAX_UPSTREAM_WAIT_MS - 1_000);
    expect(until).toBeLessThanOrEqual(after + MAX_UPSTREAM_WAIT_MS + 1_000);

    const reported = (await getModels(gw)).models.find((entry) => entry.id === 'c' && entry.provider === 'cerebras')!.rateLimit!;
    const insane = reported.windows.filter(
      (window) =>
        (window.remaining !== undefined && !(window.remaining >= 0)) ||
        (window.limit !== undefined && !(Number.isFinite(window.limit) && window.limit >= 0)) ||
        (window.resetAt !== undefined && !(Date.parse(window.resetAt) <= after + MAX_UPSTREAM_WAIT_MS + 1_000)),
    );
    expect(insane).toEqual([]);
    expect(reported.windows.find((window) => window.resource === 'requests' && window.window === 'day')?.resetAt).toBeDefined();

    const scraped = await scrape(gw);
    expect(valueOf(scraped, 'llm_gateway_upstream_anomalies_total', { provider: 'groq', kind: 'implausible_retry_after' })).toBe(1);
    expect(valueOf(scraped, 'llm_gateway_upstream_anomalies_total', { provider: 'cerebras', kind: 'implausible_reset' })).toBe(1);
    expect(valueOf(scraped, 'llm_gateway_upstream_anomalies_total', { provider: 'cerebras', kind: 'invalid_rate_limit' })).toBe(2);
    expect(samplesOf(scraped, 'llm_gateway_provider_remaining').filter((sample) => !(sample.value >= 0))).toEqual([]);
  });
});

describe('a body without newlines', () => {
  it('ends each attempt as a protocol error at the frame limit, with memory bounded and /health/live answering fast meanwhile', async () => {
    // Every attempt must reach the hostile upstream: no circuit opening after the first rounds.
    const gw = await start({ CIRCUIT_BREAKER_ENABLED: 'false' });
    const BODY_BYTES = 96 * MB;
    /** Rounds of four concurrent attacks, so the probe takes enough samples for a p99. */
    const ROUNDS = 8;
    // A warm process: the first requests allocate what any request would.
    for (const pinned of ['groq/g', 'cerebras/c']) expect((await chatSse(gw, ask(pinned))).status).toBe(200);
    sim.reset();
    sim.setBehaviour('groq', 'g', { kind: 'unterminated-body', bytes: BODY_BYTES });
    sim.setBehaviour('cerebras', 'c', { kind: 'unterminated-body', bytes: BODY_BYTES });

    const baseline = residentMb(gw.pid) * MB;
    let peak = baseline;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, residentMb(gw.pid) * MB);
      } catch {
        // the process is gone: the assertions below say so
      }
    }, 25);
    // Probing every 5 ms: enough samples during the attack for the p99 to mean something.
    const probe = startProbe(gw.url, { intervalMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const results: Array<PromiseSettledResult<{ pinned: string; status: number; body: string }>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const attacks = ['groq/g', 'cerebras/c', 'groq/g', 'cerebras/c'].map(async (pinned) => {
        const response = await postChat(gw, ask(pinned), {}, AbortSignal.timeout(60_000));
        return { pinned, status: response.status, body: await response.text() };
      });
      results.push(...(await Promise.allSettled(attacks)));
    }
    const elapsedMs = performance.now() - started;
    const report = await probe.stop();
    clearInterval(sampler);

    // Each attempt ended as a protocol error; pinned to one deployment, the client gets a clear 502.
    const answers = results.map((result) =>
      result.status === 'rejected' ? { rejected: String(result.reason) } : { status: result.value.status, body: result.value.body.slice(0, 300) },
    );
    expect(answers.filter((answer) => !('status' in answer) || answer.status !== 502 || !answer.body.includes('"code":"upstream_error"'))).toEqual([]);
    expect(elapsedMs).toBeLessThan(ROUNDS * 5_000);
    // The gateway stopped reading and closed each connection long before the 96 MB were sent.
    expect(sim.requests.map((attempt) => attempt.completed)).toEqual(Array.from({ length: 4 * ROUNDS }, () => false));

    const growth = peak - baseline;
    expect({ baselineMb: Math.round(baseline / MB), peakMb: Math.round(peak / MB), bounded: growth < 100 * MB }).toMatchObject({ bounded: true });
    expect(report.failures).toEqual([]);
    expect(report.count).toBeGreaterThan(10);
    expect({ ...report, under100ms: report.p99 < 100 }).toMatchObject({ under100ms: true });

    const scraped = await scrape(gw);
    const oversized = (provider: string) => valueOf(scraped, 'llm_gateway_upstream_anomalies_total', { provider, kind: 'oversized_frame' });
    expect([oversized('groq'), oversized('cerebras')]).toEqual([2 * ROUNDS, 2 * ROUNDS]);
    expect(valueOf(scraped, 'llm_gateway_upstream_errors_total', { provider: 'groq', model: 'g', kind: 'protocol' })).toBe(2 * ROUNDS);
    expect(valueOf(scraped, 'llm_gateway_upstream_errors_total', { provider: 'cerebras', model: 'c', kind: 'protocol' })).toBe(2 * ROUNDS);
  });
});

describe('frames written one byte at a time', () => {
  // Multi-byte characters split at the byte level (é: 2 bytes, 日: 3, 🙂: 4), each delta whole.
  const content = ['Grüße', ' aus', ' 日本', ' 🙂', ' café', ' ☕'];
  const text = content.join('');

  it('arrive exactly through SSE /chat, text/plain /chat and /v1/chat/completions, from both providers', async () => {
    const gw = await start();
    sim.setBehaviour('groq', 'g', { kind: 'ok', content, bytePerWrite: true });
    sim.setBehaviour('cerebras', 'c', { kind: 'ok', content, bytePerWrite: true });

    for (const pinned of ['groq/g', 'cerebras/c']) {
      const sse = await chatSse(gw, ask(pinned));
      expect(sse.status).toBe(200);
      const deltas = sse.events.filter((event) => event.event === 'delta').map((event) => (event.data as { content: string }).content);
      expect({ pinned, text: deltas.join('') }).toEqual({ pinned, text });
      expect(sse.events.at(-1)?.event).toBe('done');

      const plain = await postChat(gw, ask(pinned), { accept: 'text/plain' });
      expect(plain.status).toBe(200);
      expect({ pinned, plain: await plain.text() }).toEqual({ pinned, plain: text });

      const streamed = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ask(pinned, { stream: true })),
      });
      const frames = (await streamed.text())
        .split('\n\n')
        .filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]')
        .map((frame) => JSON.parse(frame.slice(6)) as { choices: Array<{ delta?: { content?: string } }> });
      expect({ pinned, streamed: frames.map((frame) => frame.choices[0]?.delta?.content ?? '').join('') }).toEqual({ pinned, streamed: text });

      const whole = await openAiChat(gw, ask(pinned));
      expect({ pinned, whole: whole.json?.choices[0]?.message.content }).toEqual({ pinned, whole: text });
    }
    const scraped = await scrape(gw);
    expect(samplesOf(scraped, 'llm_gateway_upstream_anomalies_total').every((sample) => sample.value === 0)).toBe(true);
  });
});
