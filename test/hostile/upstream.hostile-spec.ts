// A provider that lies, stalls the parser or floods the gateway, against the built app as a real
// process: nothing it sends may be believed unchecked (usage, rate-limit headers), nothing it
// sends may grow the gateway's memory without bound or block its event loop, and what it sends
// correctly but awkwardly (one byte per read) must still arrive exactly.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderSimulator, type Behaviour } from '../simulator/provider-simulator.js';
import { getModels, getUsage, modelView } from '../support/gateway-client.js';
import { model, parseSse, postChat, type SseEvent } from '../support/gateway-harness.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { parsePrometheusText, samplesOf, valueOf } from '../support/prometheus-text.js';
import { startProbe } from './probe.js';

/** The caps the gateway documents (src/providers): 24 h for any wait, 10M tokens per usage field. */
const MAX_UPSTREAM_WAIT_MS = 24 * 60 * 60 * 1000;

let sim: ProviderSimulator;
let gateway: GatewayProcess | undefined;

beforeAll(async () => {
  sim = new ProviderSimulator();
  await sim.start();
});

afterAll(async () => {
  await sim.stop();
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  sim.reset();
});

/** One groq and one cerebras deployment, reachable pinned as `groq/g` and `cerebras/c`. */
async function start(env: Record<string, string> = {}): Promise<GatewayProcess> {
  gateway = await startGatewayProcess({ sim, env, models: [model('groq', 'g', { model: 'shared' }), model('cerebras', 'c', { model: 'shared' })] });
  return gateway;
}

const ask = (pinned: string, extra: Record<string, unknown> = {}) => ({ model: pinned, messages: [{ role: 'user', content: 'Say hello.' }], ...extra });

async function chatSse(gw: GatewayProcess, body: unknown): Promise<{ status: number; events: SseEvent[] }> {
  const response = await postChat(gw, body);
  return { status: response.status, events: parseSse(await response.text()) };
}

async function openAiChat(gw: GatewayProcess, body: unknown): Promise<{ status: number; json: any; text: string }> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function scrape(gw: GatewayProcess) {
  return parsePrometheusText(await (await fetch(`${gw.url}/metrics`)).text());
}

const isCount = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The gateway's resident memory, in bytes (Linux). */
function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

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
        expect(status, `${provider} ${lie}`).toBe(200);
        const done = events.find((event) => event.event === 'done')?.data as { usage: Record<string, unknown> } | undefined;
        expect(done, `${provider} ${lie}: ${JSON.stringify(events)}`).toBeDefined();
        expect(Object.values(done!.usage).every(isCount), `${provider} ${lie}: ${JSON.stringify(done!.usage)}`).toBe(true);
        expect(done!.usage.promptTokens).toBeLessThan(1_000);
      }
      for (const [lie] of lies) {
        const { status, json } = await openAiChat(gw, ask(`${provider}/${id}`));
        expect(status, `${provider} ${lie}`).toBe(200);
        const usage = json.usage as Record<string, unknown>;
        expect(Object.values(usage).every(isCount), `${provider} ${lie} /v1: ${JSON.stringify(usage)}`).toBe(true);
        expect(usage.total_tokens).toBe((usage.prompt_tokens as number) + (usage.completion_tokens as number));
      }
    }

    const report = await getUsage(gw);
    for (const entry of report.models) {
      for (const [field, value] of Object.entries(entry.totals)) expect(isCount(value), `${entry.key} totals.${field}: ${String(value)}`).toBe(true);
      for (const [name, window] of Object.entries(entry.windows)) {
        for (const field of ['requests', 'promptTokens', 'completionTokens', 'reservedTokens'] as const) {
          expect(isCount(window[field]), `${entry.key} ${name}.${field}: ${String(window[field])}`).toBe(true);
        }
        expect(window.promptTokens + window.completionTokens).toBeLessThan(10_000);
      }
    }
    for (const [field, value] of Object.entries(report.totals)) expect(isCount(value), `totals.${field}: ${String(value)}`).toBe(true);

    const scraped = await scrape(gw);
    for (const provider of ['groq', 'cerebras']) {
      expect(valueOf(scraped, 'llm_gateway_upstream_anomalies_total', { provider, kind: 'invalid_usage' })).toBe(2 * lies.length);
    }
    for (const sample of samplesOf(scraped, 'llm_gateway_tokens_total')) {
      expect(sample.value, JSON.stringify(sample)).toBeLessThan(10_000);
    }
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
    for (const window of reported.windows) {
      if (window.remaining !== undefined) expect(window.remaining).toBeGreaterThanOrEqual(0);
      if (window.limit !== undefined) expect(Number.isFinite(window.limit)).toBe(true);
      if (window.resetAt !== undefined) expect(Date.parse(window.resetAt)).toBeLessThanOrEqual(after + MAX_UPSTREAM_WAIT_MS + 1_000);
    }

    const scraped = await scrape(gw);
    expect(valueOf(scraped, 'llm_gateway_upstream_anomalies_total', { provider: 'groq', kind: 'implausible_retry_after' })).toBe(1);
    expect(valueOf(scraped, 'llm_gateway_upstream_anomalies_total', { provider: 'cerebras', kind: 'implausible_reset' })).toBe(1);
    expect(valueOf(scraped, 'llm_gateway_upstream_anomalies_total', { provider: 'cerebras', kind: 'invalid_rate_limit' })).toBe(2);
    for (const sample of samplesOf(scraped, 'llm_gateway_provider_remaining')) expect(sample.value).toBeGreaterThanOrEqual(0);
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

    const baseline = rssOf(gw.pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssOf(gw.pid));
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

    for (const result of results) {
      expect(result.status, String((result as PromiseRejectedResult).reason)).toBe('fulfilled');
      const { pinned, status, body } = (result as PromiseFulfilledResult<{ pinned: string; status: number; body: string }>).value;
      expect(status, `${pinned}: ${body.slice(0, 300)}`).toBe(502);
      expect(JSON.parse(body).error.code).toBe('upstream_error');
    }
    expect(elapsedMs).toBeLessThan(ROUNDS * 5_000);
    // The gateway stopped reading and closed each connection long before the 96 MB were sent.
    expect(sim.requests.map((attempt) => attempt.completed)).toEqual(Array.from({ length: 4 * ROUNDS }, () => false));

    const growth = peak - baseline;
    expect(growth, `RSS ${Math.round(baseline / MB)} MB → peak ${Math.round(peak / MB)} MB`).toBeLessThan(100 * MB);
    expect(report.failures).toEqual([]);
    expect(report.count).toBeGreaterThan(10);
    expect(report.p99, JSON.stringify(report)).toBeLessThan(100);

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
      expect(deltas.join(''), pinned).toBe(text);
      expect(sse.events.at(-1)?.event).toBe('done');

      const plain = await postChat(gw, ask(pinned), { accept: 'text/plain' });
      expect(plain.status).toBe(200);
      expect(await plain.text(), `${pinned} text/plain`).toBe(text);

      const streamed = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ask(pinned, { stream: true })),
      });
      const frames = (await streamed.text())
        .split('\n\n')
        .filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]')
        .map((frame) => JSON.parse(frame.slice(6)) as { choices: Array<{ delta?: { content?: string } }> });
      expect(frames.map((frame) => frame.choices[0]?.delta?.content ?? '').join(''), `${pinned} /v1 stream`).toBe(text);

      const whole = await openAiChat(gw, ask(pinned));
      expect(whole.json.choices[0].message.content, `${pinned} /v1`).toBe(text);
    }
    const scraped = await scrape(gw);
    expect(samplesOf(scraped, 'llm_gateway_upstream_anomalies_total').every((sample) => sample.value === 0)).toBe(true);
  });
});
