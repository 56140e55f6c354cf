// GET /metrics: exact counter, histogram and gauge values after known traffic, and the Grafana
// dashboard's queries checked against a real scrape.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from '../support/simulator/provider-simulator.js';
import { eventually, freshUsageWindows, gatewayPerTest } from '../support/gateway-client.js';
import { hello, model, postChat, type Gateway, type GatewayAddress } from '../support/gateway-harness.js';
import { familyOf, parsePrometheusText, samplesOf, sumOf, valueOf, type Scrape } from '../support/prometheus-text.js';
import { dataOf, readSse, SseStream } from '../support/sse-stream.js';

const start = gatewayPerTest();

const DASHBOARD = new URL('../../deploy/grafana/llm-gateway-dashboard.json', import.meta.url);

async function scrapeText(gateway: GatewayAddress): Promise<string> {
  const response = await fetch(`${gateway.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return response.text();
}

async function scrape(gateway: GatewayAddress): Promise<Scrape> {
  return parsePrometheusText(await scrapeText(gateway));
}

/** Waits until a series has this value: a request's end is booked just after its last byte leaves. */
async function expectEventually(gateway: GatewayAddress, name: string, labels: Record<string, string>, expected: number): Promise<Scrape> {
  return eventually(async () => {
    const scraped = await scrape(gateway);
    const series = `${name}${JSON.stringify(labels)}`;
    expect({ series, value: valueOf(scraped, name, labels) }).toEqual({ series, value: expected });
    return scraped;
  });
}

/** Two deployments of one public model, tried in this order (priority strategy). */
function failoverPair(): Promise<Gateway> {
  return start({
    models: [model('groq', 'first', { model: 'duo', priority: 1 }), model('cerebras', 'second', { model: 'duo', priority: 2 })],
    env: { ROTATION_STRATEGY: 'priority' },
  });
}

async function completeStream(gateway: GatewayAddress, body: object = hello): Promise<void> {
  const response = await postChat(gateway, body);
  expect(response.status).toBe(200);
  expect(dataOf(await readSse(response), 'done')).toHaveLength(1);
}

/** Starts a stream whose answer pauses after its first token, reads that token, then leaves. */
async function leaveMidStream(gateway: Gateway, body: object, whileStreaming?: () => Promise<void>): Promise<void> {
  const client = new AbortController();
  const stream = new SseStream(await postChat(gateway, body, {}, client.signal));
  expect((await stream.until('delta')).data).toEqual({ content: 'first' });
  await whileStreaming?.();
  client.abort();
}

const PAUSED_AFTER_FIRST_TOKEN: Behaviour = { kind: 'ok', content: ['first', ' never'], pauseAfterFirstTokenMs: 5_000 };

describe('the test Prometheus text parser', () => {
  it('reads labels with escapes, histogram suffixes and special values, and rejects a malformed scrape', () => {
    const scraped = parsePrometheusText(
      [
        '# HELP h_seconds A histogram.',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{le="0.5",path="a\\"b\\\\c\\nd"} 2',
        'h_seconds_bucket{le="+Inf",path="a\\"b\\\\c\\nd"} 3',
        'h_seconds_sum{path="a\\"b\\\\c\\nd"} 1.25',
        'h_seconds_count{path="a\\"b\\\\c\\nd"} 3',
        '# TYPE g gauge',
        'g Nan',
        '# TYPE i gauge',
        'i -Inf 1700000000000',
        '',
      ].join('\n'),
    );

    expect(familyOf(scraped, 'h_seconds_bucket')?.name).toBe('h_seconds');
    expect(valueOf(scraped, 'h_seconds_bucket', { le: '+Inf', path: 'a"b\\c\nd' })).toBe(3);
    expect(valueOf(scraped, 'h_seconds_count', { path: 'a"b\\c\nd' })).toBe(3);
    expect(valueOf(scraped, 'h_seconds_count', {})).toBeUndefined();
    expect(sumOf(scraped, 'h_seconds_bucket')).toBe(5);
    expect(valueOf(scraped, 'g')).toBeNaN();
    expect(valueOf(scraped, 'i')).toBe(Number.NEGATIVE_INFINITY);
    expect(() => parsePrometheusText('x 1\n')).toThrow(/no # TYPE/);
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="1"} 1\nx{a="1"} 2\n')).toThrow(/repeats a series/);
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="1} 1\n')).toThrow(/unterminated label value/);
    expect(() => parsePrometheusText('# TYPE x counter\nx one\n')).toThrow(/not a number/);
  });
});

describe('GET /metrics', () => {
  it('answers the Prometheus text format with the standard process metrics and nothing unprefixed of its own', async () => {
    const gw = await start({ models: [model('groq', 'm')] });

    const scraped = await scrape(gw);

    const standard = {
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      process_start_time_seconds: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
    };
    const found = Object.keys(standard).map((name) => [name, samplesOf(scraped, name).length > 0 ? familyOf(scraped, name)?.type : 'no samples']);
    expect(Object.fromEntries(found)).toEqual(standard);
    const foreign = [...scraped.families.keys()].filter((name) => !/^(llm_gateway|process|nodejs)_/.test(name));
    expect(foreign).toEqual([]);
    expect(valueOf(scraped, 'llm_gateway_streams_in_flight', { provider: 'groq', model: 'm' })).toBe(0);
  });

  it('counts a completed stream: the chat request, its tokens, its time to first token and its duration', async () => {
    const gw = await start({ models: [model('groq', 'm')] });
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', firstTokenDelayMs: 300, usage: { prompt_tokens: 21, completion_tokens: 7 } });

    await completeStream(gw);

    const answered = { provider: 'groq', model: 'm' };
    const scraped = await expectEventually(gw, 'llm_gateway_chat_requests_total', { route: 'chat', ...answered, outcome: 'completed' }, 1);
    expect(valueOf(scraped, 'llm_gateway_tokens_total', { ...answered, kind: 'prompt' })).toBe(21);
    expect(valueOf(scraped, 'llm_gateway_tokens_total', { ...answered, kind: 'completion' })).toBe(7);
    const ttft = { route: 'chat', ...answered };
    expect(valueOf(scraped, 'llm_gateway_time_to_first_token_seconds_count', ttft)).toBe(1);
    // The simulator held the first token back for 300 ms: recorded in seconds, above the 0.25 s bucket.
    expect(valueOf(scraped, 'llm_gateway_time_to_first_token_seconds_bucket', { ...ttft, le: '0.25' })).toBe(0);
    expect(valueOf(scraped, 'llm_gateway_time_to_first_token_seconds_bucket', { ...ttft, le: '+Inf' })).toBe(1);
    expect(valueOf(scraped, 'llm_gateway_time_to_first_token_seconds_sum', ttft)).toBeGreaterThanOrEqual(0.3);
    expect(valueOf(scraped, 'llm_gateway_time_to_first_token_seconds_sum', ttft)).toBeLessThan(20);
    expect(valueOf(scraped, 'llm_gateway_chat_request_duration_seconds_count', { route: 'chat', outcome: 'completed' })).toBe(1);
    expect(valueOf(scraped, 'llm_gateway_chat_request_duration_seconds_sum', { route: 'chat', outcome: 'completed' })).toBeGreaterThanOrEqual(0.3);
    expect(valueOf(scraped, 'llm_gateway_streams_in_flight', answered)).toBe(0);
    expect(sumOf(scraped, 'llm_gateway_upstream_errors_total')).toBe(0);
    expect(sumOf(scraped, 'llm_gateway_fallbacks_total')).toBe(0);
    expect(valueOf(scraped, 'llm_gateway_http_requests_total', { method: 'POST', route: '/chat', status: '200' })).toBe(1);
  });

  it('labels a request through /v1/chat/completions with route openai', async () => {
    const gw = await start({ models: [model('cerebras', 'm')] });

    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: hello.messages }),
    });
    expect(response.status).toBe(200);
    await response.json();

    const scraped = await expectEventually(gw, 'llm_gateway_chat_requests_total', { route: 'openai', provider: 'cerebras', model: 'm', outcome: 'completed' }, 1);
    expect(sumOf(scraped, 'llm_gateway_chat_requests_total', { route: 'chat' })).toBe(0);
    expect(valueOf(scraped, 'llm_gateway_http_requests_total', { method: 'POST', route: '/v1/chat/completions', status: '200' })).toBe(1);
  });

  it('labels a request through /v1/responses with route responses', async () => {
    const gw = await start({ models: [model('cerebras', 'm')] });

    const response = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'Hi' }) });
    expect(response.status).toBe(200);
    await response.json();

    const scraped = await expectEventually(gw, 'llm_gateway_chat_requests_total', { route: 'responses', provider: 'cerebras', model: 'm', outcome: 'completed' }, 1);
    expect(sumOf(scraped, 'llm_gateway_chat_requests_total', { route: 'openai' })).toBe(0);
    expect(valueOf(scraped, 'llm_gateway_http_requests_total', { method: 'POST', route: '/v1/responses', status: '200' })).toBe(1);
  });

  it('counts a fallback and an upstream error, both rate_limited, when the first deployment answers 429', async () => {
    const gw = await failoverPair();
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 429, headers: { 'retry-after': '30' } });

    await completeStream(gw, { ...hello, model: 'duo' });

    const scraped = await expectEventually(gw, 'llm_gateway_chat_requests_total', { route: 'chat', provider: 'cerebras', model: 'second', outcome: 'completed' }, 1);
    expect(valueOf(scraped, 'llm_gateway_fallbacks_total', { provider: 'groq', model: 'first', reason: 'rate_limited' })).toBe(1);
    expect(sumOf(scraped, 'llm_gateway_fallbacks_total')).toBe(1);
    expect(valueOf(scraped, 'llm_gateway_upstream_errors_total', { provider: 'groq', model: 'first', kind: 'rate_limited' })).toBe(1);
    expect(sumOf(scraped, 'llm_gateway_upstream_errors_total')).toBe(1);
    expect(sumOf(scraped, 'llm_gateway_chat_requests_total')).toBe(1);
  });

  it('counts a limiter rejection and a rejected request once a deployment has used its requests per minute', async () => {
    const gw = await start({ models: [model('groq', 'm', { limits: { requestsPerMinute: 1, requestsPerDay: 1_000, tokensPerMinute: 1_000_000, tokensPerDay: 10_000_000 } })] });
    freshUsageWindows(gw);

    await completeStream(gw);
    const refused = await postChat(gw, hello);
    expect(refused.status).toBe(429);
    await refused.text();

    const scraped = await expectEventually(gw, 'llm_gateway_limiter_rejections_total', { provider: 'groq', model: 'm', cause: 'limits' }, 1);
    expect(valueOf(scraped, 'llm_gateway_chat_requests_total', { route: 'chat', provider: 'none', model: 'none', outcome: 'rejected' })).toBe(1);
    expect(valueOf(scraped, 'llm_gateway_chat_requests_total', { route: 'chat', provider: 'groq', model: 'm', outcome: 'completed' })).toBe(1);
    expect(valueOf(scraped, 'llm_gateway_chat_request_duration_seconds_count', { route: 'chat', outcome: 'rejected' })).toBe(1);
    expect(valueOf(scraped, 'llm_gateway_http_requests_total', { method: 'POST', route: '/chat', status: '429' })).toBe(1);
    expect(gw.sim.requests).toHaveLength(1);
  });

  it('counts a cancellation, a 499 and the stream in flight, back to 0, when the client leaves mid-stream', async () => {
    const gw = await start({ models: [model('groq', 'm')] });
    gw.sim.setBehaviour('groq', 'm', PAUSED_AFTER_FIRST_TOKEN);
    const answered = { provider: 'groq', model: 'm' };

    await leaveMidStream(gw, hello, async () => {
      expect(valueOf(await scrape(gw), 'llm_gateway_streams_in_flight', answered)).toBe(1);
    });

    const scraped = await expectEventually(gw, 'llm_gateway_cancellations_total', { route: 'chat' }, 1);
    expect(valueOf(scraped, 'llm_gateway_streams_in_flight', answered)).toBe(0);
    expect(valueOf(scraped, 'llm_gateway_chat_requests_total', { route: 'chat', ...answered, outcome: 'cancelled' })).toBe(1);
    await expectEventually(gw, 'llm_gateway_http_requests_total', { method: 'POST', route: '/chat', status: '499' }, 1);
    expect(sumOf(await scrape(gw), 'llm_gateway_http_requests_total', { route: '/chat' })).toBe(1);
  });

  it("reports the provider's remaining quota and limit from its rate-limit headers, the latest answer's values", async () => {
    const gw = await start({ models: [model('groq', 'm')] });
    const reported = (remaining: number) => ({
      'x-ratelimit-limit-requests': '50',
      'x-ratelimit-remaining-requests': String(remaining),
      'x-ratelimit-limit-tokens': '6000',
      'x-ratelimit-remaining-tokens': String(remaining * 100),
    });

    gw.sim.setRateLimitHeaders('groq', 'm', reported(41));
    await completeStream(gw);
    gw.sim.setRateLimitHeaders('groq', 'm', reported(40));
    await completeStream(gw);

    const scraped = await scrape(gw);
    // Groq's unsuffixed headers: requests per day, tokens per minute.
    const requests = { provider: 'groq', model: 'm', resource: 'requests', window: 'day' };
    const tokens = { provider: 'groq', model: 'm', resource: 'tokens', window: 'minute' };
    expect(valueOf(scraped, 'llm_gateway_provider_remaining', requests)).toBe(40);
    expect(valueOf(scraped, 'llm_gateway_provider_limit', requests)).toBe(50);
    expect(valueOf(scraped, 'llm_gateway_provider_remaining', tokens)).toBe(4_000);
    expect(valueOf(scraped, 'llm_gateway_provider_limit', tokens)).toBe(6_000);
    expect(samplesOf(scraped, 'llm_gateway_provider_remaining')).toHaveLength(2);
  });

  it('counts HTTP requests by route template, a path no route serves as unmatched, and times them', async () => {
    const gw = await start({ models: [model('groq', 'm')] });

    for (let i = 0; i < 2; i++) expect((await fetch(`${gw.url}/models`)).status).toBe(200);
    expect((await fetch(`${gw.url}/no/such/path-7d1c`)).status).toBe(404);
    const unknownModel = await postChat(gw, { ...hello, model: 'no-such-model-5e2b' });
    expect(unknownModel.status).toBe(404);
    await unknownModel.text();

    const text = await scrapeText(gw);
    const scraped = parsePrometheusText(text);
    expect(valueOf(scraped, 'llm_gateway_http_requests_total', { method: 'GET', route: '/models', status: '200' })).toBe(2);
    expect(valueOf(scraped, 'llm_gateway_http_request_duration_seconds_count', { method: 'GET', route: '/models' })).toBe(2);
    expect(valueOf(scraped, 'llm_gateway_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    // A matched route that answers 404 keeps its template.
    expect(valueOf(scraped, 'llm_gateway_http_requests_total', { method: 'POST', route: '/chat', status: '404' })).toBe(1);
    expect(text).not.toContain('path-7d1c');
    expect(text).not.toContain('no-such-model-5e2b');

    // The scrape itself is counted once its response has gone.
    await expectEventually(gw, 'llm_gateway_http_requests_total', { method: 'GET', route: '/metrics', status: '200' }, 1);
  });

  it('keeps request ids and what the client chose out of label values', async () => {
    const gw = await start({ models: [model('groq', 'm')] });

    await completeStream(gw);
    const named = await postChat(gw, { ...hello, model: 'm' }, { 'x-request-id': 'trace-me-3f9a' });
    await named.text();
    await expectEventually(gw, 'llm_gateway_chat_requests_total', { route: 'chat', provider: 'groq', model: 'm', outcome: 'completed' }, 2);

    const text = await scrapeText(gw);
    expect(named.headers.get('x-request-id')).toBe('trace-me-3f9a');
    expect(text).not.toContain('trace-me-3f9a');
    expect(text).not.toContain('Say hello');
  });

  it("keeps each app's counts to itself when several run in one process", async () => {
    const served = await start({ models: [model('groq', 'm')] });
    const idle = await start({ models: [model('groq', 'm')] });

    await completeStream(served);

    await expectEventually(served, 'llm_gateway_chat_requests_total', { route: 'chat', provider: 'groq', model: 'm', outcome: 'completed' }, 1);
    const other = await scrape(idle);
    expect(sumOf(other, 'llm_gateway_chat_requests_total')).toBe(0);
    expect(sumOf(other, 'llm_gateway_http_requests_total', { route: '/chat' })).toBe(0);
    expect(samplesOf(other, 'process_cpu_seconds_total').length).toBe(1);
  });
});

interface DashboardPanel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr?: string; datasource?: { type: string; uid: string } }>;
  panels?: DashboardPanel[];
}

function readDashboard(): { schemaVersion: number; panels: DashboardPanel[]; templating: { list: Array<{ name: string; type: string; query: unknown }> } } {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8'));
}

/** Every panel, rows' nested panels included. */
function allPanels(panels: DashboardPanel[]): DashboardPanel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

function expressions(): string[] {
  return allPanels(readDashboard().panels).flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''));
}

/** The metric names an expression reads; label names, values and functions do not match. */
function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replaceAll(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...withoutStrings.matchAll(/\b(?:llm_gateway|process|nodejs)_[a-z0-9_]+\b/g)].map((match) => match[0]);
}

describe('the Grafana dashboard (deploy/grafana/llm-gateway-dashboard.json)', () => {
  it('queries a Prometheus datasource chosen by the DS_PROMETHEUS variable in every panel', () => {
    const dashboard = readDashboard();
    const variable = dashboard.templating.list.find((entry) => entry.name === 'DS_PROMETHEUS');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);

    const queried = allPanels(dashboard.panels).filter((panel) => panel.type !== 'row');
    expect(queried.length).toBeGreaterThanOrEqual(12);
    const viaVariable = (source: DashboardPanel['datasource']) => source?.type === 'prometheus' && source.uid === '${DS_PROMETHEUS}';
    const wrong = queried.filter(
      (panel) =>
        !viaVariable(panel.datasource) ||
        (panel.targets ?? []).length === 0 ||
        (panel.targets ?? []).some((target) => !viaVariable(target.datasource) || !target.expr?.trim()),
    );
    expect(wrong.map((panel) => panel.title)).toEqual([]);
  });

  it('takes quantiles only over histogram buckets, keeping le', () => {
    const quantiles = expressions().filter((expr) => expr.includes('histogram_quantile'));
    expect(quantiles.length).toBeGreaterThanOrEqual(3);
    const overBuckets = (expr: string) =>
      metricNamesIn(expr).every((name) => name.endsWith('_bucket')) && /sum by \((?:[a-z_]+, )*le(?:, [a-z_]+)*\) \(rate\(/.test(expr);
    expect(quantiles.filter((expr) => !overBuckets(expr))).toEqual([]);
  });

  it('reads only metrics a scrape has samples of after chat traffic', async () => {
    const gw = await start({
      models: [
        model('groq', 'first', { model: 'duo', priority: 1 }),
        model('cerebras', 'second', { model: 'duo', priority: 2 }),
        model('groq', 'tight', { priority: 3, limits: { requestsPerMinute: 1, requestsPerDay: 1_000, tokensPerMinute: 1_000_000, tokensPerDay: 10_000_000 } }),
      ],
      env: { ROTATION_STRATEGY: 'priority' },
    });
    freshUsageWindows(gw);
    gw.sim.setBehaviour('groq', 'first', { kind: 'error', status: 429, headers: { 'retry-after': '30' } });
    gw.sim.setBehaviour('cerebras', 'second', { kind: 'ok' }, PAUSED_AFTER_FIRST_TOKEN);

    await completeStream(gw, { ...hello, model: 'duo' }); // a 429, a fallback, an answer
    await completeStream(gw, { ...hello, model: 'groq/tight' });
    await (await postChat(gw, { ...hello, model: 'groq/tight' })).text(); // over its limit
    await leaveMidStream(gw, { ...hello, model: 'duo' }); // a cancellation
    await (await fetch(`${gw.url}/no/such/path`)).text();
    await expectEventually(gw, 'llm_gateway_cancellations_total', { route: 'chat' }, 1);

    const scraped = await scrape(gw);
    const names = [...new Set(expressions().flatMap(metricNamesIn))].sort();
    expect(names.filter((name) => name.startsWith('llm_gateway_')).length).toBeGreaterThanOrEqual(12);
    expect(names).toEqual(expect.arrayContaining(['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']));
    const missing = names.filter((name) => !familyOf(scraped, name) || samplesOf(scraped, name).length === 0);
    expect(missing).toEqual([]);
  });
});
