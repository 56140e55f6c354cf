import { Registry } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { deployment, modelEntry } from '../../test/support/fixtures.js';
import { ModelCatalog } from '../config/model-catalog.js';
import { ChatTelemetry, type ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import { ChatMetricsObserver } from './chat-metrics.observer.js';
import { GatewayMetrics } from './gateway-metrics.js';

const groqA = deployment('groq', 'a', { model: 'shared' });

function summary(overrides: Partial<ChatRequestSummary> = {}): ChatRequestSummary {
  return {
    requestId: 'req-1',
    route: 'chat',
    client: 'team-blue',
    allowedModels: null,
    requestedModel: 'shared',
    deployment: { provider: 'groq', model: 'a' },
    attempts: 1,
    failedAttempts: [],
    promptTokens: 30,
    completionTokens: 12,
    timeToFirstTokenMs: 250,
    answerFirstTokenMs: 250,
    cache: null,
    durationMs: 1_500,
    outcome: 'completed',
    errorCode: null,
    ...overrides,
  };
}

describe('ChatMetricsObserver', () => {
  let registry: Registry;
  let telemetry: ChatTelemetry;

  /** The value of the series with exactly these labels (`name` may carry a histogram suffix). */
  async function value(name: string, labels: Record<string, string>): Promise<number | undefined> {
    const family = name.replace(/_(sum|count)$/, '');
    const metric = await registry.getSingleMetric(family)!.get();
    const keys = Object.keys(labels).sort().join();
    const match = metric.values.find(
      (entry) =>
        ((entry as { metricName?: string }).metricName ?? metric.name) === name &&
        Object.keys(entry.labels).sort().join() === keys &&
        Object.entries(labels).every(([key, label]) => entry.labels[key] === label),
    );
    return match?.value;
  }

  beforeEach(() => {
    registry = new Registry();
    telemetry = new ChatTelemetry();
    const catalog = new ModelCatalog([modelEntry('groq', 'a', { model: 'shared' }), modelEntry('cerebras', 'b')]);
    new ChatMetricsObserver(telemetry, new GatewayMetrics(registry), catalog).onModuleInit();
  });

  it('starts every catalog deployment at 0 streams in flight and follows streams as they start and end', async () => {
    expect(await value('llm_gateway_streams_in_flight', { provider: 'cerebras', model: 'b' })).toBe(0);

    telemetry.emit('streamStarted', groqA);
    telemetry.emit('streamStarted', groqA);
    expect(await value('llm_gateway_streams_in_flight', { provider: 'groq', model: 'a' })).toBe(2);

    telemetry.emit('streamEnded', groqA);
    expect(await value('llm_gateway_streams_in_flight', { provider: 'groq', model: 'a' })).toBe(1);
  });

  it('labels a deployment with its provider model id, not the public model it serves', async () => {
    telemetry.emit('upstreamFailed', groqA, 'server_error');

    expect(await value('llm_gateway_upstream_errors_total', { provider: 'groq', model: 'a', kind: 'server_error' })).toBe(1);
    expect(await value('llm_gateway_upstream_errors_total', { provider: 'groq', model: 'shared', kind: 'server_error' })).toBeUndefined();
  });

  it('keeps the newest provider report per series when reports arrive out of order', async () => {
    const report = (observedAt: string, remaining: number) => ({
      observedAt,
      windows: [{ resource: 'requests' as const, window: 'day' as const, limit: 1_000, remaining }],
    });
    const labels = { provider: 'groq', model: 'a', resource: 'requests', window: 'day' };

    telemetry.emit('providerReported', groqA, report('2026-03-04T10:00:02.000Z', 500));
    telemetry.emit('providerReported', groqA, report('2026-03-04T10:00:01.000Z', 900));
    expect(await value('llm_gateway_provider_remaining', labels)).toBe(500);

    telemetry.emit('providerReported', groqA, report('2026-03-04T10:00:03.000Z', 499));
    expect(await value('llm_gateway_provider_remaining', labels)).toBe(499);
    expect(await value('llm_gateway_provider_limit', labels)).toBe(1_000);
  });

  it('sets only the fields a provider window reported', async () => {
    telemetry.emit('providerReported', groqA, {
      observedAt: '2026-03-04T10:00:00.000Z',
      windows: [{ resource: 'tokens', window: 'minute', limit: 8_000 }],
    });
    const labels = { provider: 'groq', model: 'a', resource: 'tokens', window: 'minute' };

    expect(await value('llm_gateway_provider_limit', labels)).toBe(8_000);
    expect(await value('llm_gateway_provider_remaining', labels)).toBeUndefined();
  });

  it('counts an answered request, its tokens, and its first token and duration in seconds', async () => {
    telemetry.emit('requestFinished', summary());

    expect(await value('llm_gateway_chat_requests_total', { route: 'chat', provider: 'groq', model: 'a', outcome: 'completed' })).toBe(1);
    expect(await value('llm_gateway_tokens_total', { provider: 'groq', model: 'a', kind: 'prompt' })).toBe(30);
    expect(await value('llm_gateway_tokens_total', { provider: 'groq', model: 'a', kind: 'completion' })).toBe(12);
    expect(await value('llm_gateway_time_to_first_token_seconds_sum', { route: 'chat', provider: 'groq', model: 'a' })).toBe(0.25);
    expect(await value('llm_gateway_chat_request_duration_seconds_sum', { route: 'chat', outcome: 'completed' })).toBe(1.5);
    expect(await value('llm_gateway_cancellations_total', { route: 'chat' })).toBeUndefined();
  });

  it('labels a request no deployment answered with provider and model none, and books no tokens or first token', async () => {
    telemetry.emit(
      'requestFinished',
      summary({ route: 'openai', deployment: null, promptTokens: 0, completionTokens: 0, timeToFirstTokenMs: null, outcome: 'rejected', errorCode: 'rate_limited' }),
    );

    expect(await value('llm_gateway_chat_requests_total', { route: 'openai', provider: 'none', model: 'none', outcome: 'rejected' })).toBe(1);
    expect((await registry.getSingleMetric('llm_gateway_tokens_total')!.get()).values).toEqual([]);
    expect(await value('llm_gateway_time_to_first_token_seconds_count', { route: 'openai', provider: 'none', model: 'none' })).toBeUndefined();
  });

  it('counts cancellations per route', async () => {
    telemetry.emit('requestFinished', summary({ route: 'openai', outcome: 'cancelled' }));
    telemetry.emit('requestFinished', summary({ route: 'openai', outcome: 'cancelled', deployment: null, timeToFirstTokenMs: null }));

    expect(await value('llm_gateway_cancellations_total', { route: 'openai' })).toBe(2);
  });

  it('never puts the client key name or the request id in a label', async () => {
    telemetry.emit('requestFinished', summary({ outcome: 'failed', errorCode: 'upstream_error' }));
    telemetry.emit('fellBack', groqA, 'rate_limited');
    telemetry.emit('refused', groqA, 'limits');

    const text = await registry.metrics();
    expect(text).toContain('llm_gateway_fallbacks_total{provider="groq",model="a",reason="rate_limited"} 1');
    expect(text).toContain('llm_gateway_limiter_rejections_total{provider="groq",model="a",cause="limits"} 1');
    expect(text).not.toContain('team-blue');
    expect(text).not.toContain('req-1');
  });
});
