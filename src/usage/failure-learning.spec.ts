import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, fakeConfig, modelEntry } from '../../test/support/fixtures.js';
import { ModelCatalog, type Deployment } from '../config/model-catalog.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import { UpstreamError } from '../providers/upstream-error.js';
import { ChatTelemetry } from '../telemetry/chat-telemetry.js';
import { FailureLearning } from './failure-learning.js';
import { UsageTracker } from './usage-tracker.service.js';

const report: RateLimitSnapshot = {
  observedAt: '2026-03-04T10:20:30.000Z',
  windows: [{ resource: 'requests', window: 'day', limit: 1_000, remaining: 12, resetAt: '2026-03-05T00:00:00.000Z' }],
};

describe('FailureLearning', () => {
  const catalog = new ModelCatalog([modelEntry('groq', 'a'), modelEntry('groq', 'b'), modelEntry('cerebras', 'c')]);
  const [groqA, groqB, cerebrasC] = catalog.deployments as Deployment[];
  let clock: FakeClock;
  let tracker: UsageTracker;
  let reported: Array<[string, RateLimitSnapshot]>;
  let learning: FailureLearning;

  beforeEach(() => {
    clock = new FakeClock();
    tracker = new UsageTracker(clock);
    const telemetry = new ChatTelemetry();
    reported = [];
    telemetry.subscribe({ providerReported: (deployment, snapshot) => reported.push([deployment.key, snapshot]) });
    learning = new FailureLearning(fakeConfig({ DEFAULT_COOLDOWN_MS: 30_000 }), catalog, tracker, telemetry);
  });

  it('cools a deployment down for as long as its 429 asked, and only that deployment', () => {
    learning.learn(groqA, new UpstreamError('rate_limited', 'groq answered 429', { retryAfterMs: 7_000 }));
    expect(tracker.cooldownUntil(groqA.key)).toBe(clock.now() + 7_000);
    expect(tracker.cooldownUntil(groqB.key)).toBeNull();
    expect(tracker.unavailableReason(groqA.key)).toBeNull();
  });

  it('cools down for DEFAULT_COOLDOWN_MS when the 429 named no wait', () => {
    learning.learn(groqA, new UpstreamError('rate_limited', 'groq answered 429'));
    expect(tracker.cooldownUntil(groqA.key)).toBe(clock.now() + 30_000);
  });

  it('skips a model the provider says is gone (404, decommissioned) until restart, leaving its siblings', () => {
    learning.learn(groqA, new UpstreamError('model_unavailable', 'groq answered 404 (model_not_found)'));
    expect(tracker.unavailableReason(groqA.key)).toBe('groq answered 404 (model_not_found); skipped until restart');
    expect(tracker.unavailableReason(groqB.key)).toBeNull();
    expect(tracker.cooldownUntil(groqA.key)).toBeNull();
  });

  it('takes out every deployment of a provider whose key was rejected, and no other provider', () => {
    learning.learn(groqB, new UpstreamError('auth', 'groq answered 401 (invalid_api_key)'));
    expect(tracker.unavailableReason(groqA.key)).toBe('groq rejected the API key; skipped until restart');
    expect(tracker.unavailableReason(groqB.key)).toBe('groq rejected the API key; skipped until restart');
    expect(tracker.unavailableReason(cerebrasC.key)).toBeNull();
  });

  it('keeps the limits a refusal reported, and tells the observers', () => {
    learning.learn(cerebrasC, new UpstreamError('rate_limited', 'cerebras answered 429', { rateLimit: report }));
    expect(tracker.providerRateLimit(cerebrasC.key)).toEqual(report);
    expect(reported).toEqual([['cerebras/c', report]]);
  });

  it('learns nothing about routing from a failure that says nothing about the deployment (5xx, timeout)', () => {
    learning.learn(groqA, new UpstreamError('server_error', 'groq answered 500'));
    learning.learn(groqA, new UpstreamError('timeout', 'groq sent no token within 100 ms'));
    expect(tracker.cooldownUntil(groqA.key)).toBeNull();
    expect(tracker.unavailableReason(groqA.key)).toBeNull();
    expect(tracker.providerRateLimit(groqA.key)).toBeNull();
    expect(reported).toEqual([]);
  });

  it('records a report from an answer that began, as from a refusal', () => {
    learning.recordProviderReport(groqA, report);
    expect(tracker.providerRateLimit(groqA.key)).toEqual(report);
    expect(reported).toEqual([['groq/a', report]]);
  });
});
