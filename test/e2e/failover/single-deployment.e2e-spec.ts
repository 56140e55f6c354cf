// Failover matrix, one deployment: nothing to fall back to, so a fault before the first token is
// the client's answer, with the documented status, error body and (for 429) Retry-After.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../../src/config/model-catalog.js';
import type { ProviderName } from '../../support/simulator/provider-simulator.js';
import type { Gateway } from '../../support/gateway-harness.js';
import { freshUsageWindows, gatewayPerTest, getModels, modelView } from '../../support/gateway-client.js';
import { model } from '../../support/gateway-harness.js';
import {
  EARLY_FAULTS,
  ENV,
  FIRST_TOKEN_TIMEOUT_MS,
  MODES,
  PROVIDERS,
  PUBLIC_MODEL,
  expectGaveUp,
  gatewayNow,
  expectModelState,
  type Effect,
  expectNothingOpenUpstream,
  expectUsage,
  type EarlyFault,
} from './matrix.js';

const start = gatewayPerTest();

const SOLO_CONTENT = ['Only', ' one'];

async function solo(provider: ProviderName, limits?: ModelEntry['limits']) {
  const gw = await start({ models: [model(provider, 'solo', { model: PUBLIC_MODEL, ...(limits ? { limits } : {}) })], env: ENV });
  // Counts are checked per window: none may roll over mid-test.
  freshUsageWindows(gw);
  return gw;
}

const cases = EARLY_FAULTS.flatMap((fault) => fault.providers.map((provider) => ({ fault, provider })));

/** The message names the deployment and why it failed (429 says when to retry instead). */
function mention(fault: EarlyFault, provider: ProviderName): string | undefined {
  if (fault.alone.code === 'rate_limited') return `retry in ${fault.alone.retryAfter} s`;
  if (fault.alone.code === 'request_too_large') return undefined;
  return `${provider}/solo: ${fault.kind}`;
}

for (const mode of MODES) {
  describe(`${mode.name}: a fault before the first token, one deployment`, () => {
    for (const { fault, provider } of cases) {
      it(`${provider} ${fault.name} → ${fault.alone.status} ${fault.alone.code}`, async () => {
        const gw = await solo(provider);
        gw.sim.setBehaviour(provider, 'solo', fault.behaviour(provider));

        const sentAt = gatewayNow(gw);
        const startedAt = performance.now();
        const response = await mode.send(gw);
        await mode.expectRefused(response, {
          ...fault.alone,
          attempts: fault.alone.code === 'request_too_large' ? undefined : [{ model: 'solo', provider, error: fault.kind }],
          mentions: mention(fault, provider),
        });
        const elapsed = performance.now() - startedAt;
        const answeredAt = gatewayNow(gw);

        expect(gw.sim.requests).toHaveLength(1);
        await expectGaveUp(gw, () => gw.sim.requests[0], elapsed, fault.timesOut ? FIRST_TOKEN_TIMEOUT_MS : null);
        await expectNothingOpenUpstream(gw);
        await expectUsage(gw, `${provider}/solo`, { requests: 1, failures: 1 });
        await expectModelState(gw, `${provider}/solo`, provider, fault.effect, sentAt, answeredAt);
        expect((await modelView(gw, `${provider}/solo`)).rateLimit !== null).toBe(fault.headersSeen);
        const groups = (await getModels(gw)).groups;
        const servable = fault.effect.type === 'none';
        expect(groups).toEqual([{ model: PUBLIC_MODEL, deployments: [`${provider}/solo`], available: servable, nextPick: servable ? `${provider}/solo` : null }]);
      });
    }

    for (const provider of PROVIDERS) {
      it(`${provider}: a request larger than the token window → 413 request_too_large, nothing sent upstream`, async () => {
        const gw = await solo(provider, { requestsPerMinute: 100, requestsPerDay: 1_000, tokensPerMinute: 500, tokensPerDay: 10_000 });

        const response = await mode.send(gw, { max_tokens: 1_000 });
        await mode.expectRefused(response, { status: 413, code: 'request_too_large', mentions: 'tokens per minute' });

        expect(gw.sim.requests).toHaveLength(0);
        await expectUsage(gw, `${provider}/solo`, { requests: 0, limited: 1 });
      });
    }
  });
}

/** What the request after the fault gets, by what the fault left on the deployment. */
interface NextRequest {
  title: string;
  check(gw: Gateway, provider: ProviderName, effect: Effect, response: Response): Promise<void>;
}

const NEXT: Record<Effect['type'], NextRequest> = {
  cooldown: {
    title: '429 for the rest of the cooldown, not sent upstream',
    async check(gw, provider, effect, response) {
      expect(response.status).toBe(429);
      const retryAfter = Number(response.headers.get('retry-after'));
      const cooldownS = effect.type === 'cooldown' ? effect.ms / 1000 : Number.NaN;
      expect(retryAfter).toBeGreaterThanOrEqual(cooldownS - 2);
      expect(retryAfter).toBeLessThanOrEqual(cooldownS);
      expect(await response.json()).toEqual({
        error: {
          code: 'rate_limited',
          message: `Every candidate model is rate limited; retry in ${retryAfter} s.`,
          details: { attempts: [] },
        },
      });
      expect(gw.sim.requests).toHaveLength(1);
      await expectUsage(gw, `${provider}/solo`, { requests: 1, failures: 1, limited: 1 });
    },
  },
  unavailable: {
    title: '503 no_models_available, not sent upstream',
    async check(gw, provider, effect, response) {
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('no_models_available');
      expect(body.error.message).toContain(`${provider}/solo: ${effect.type === 'unavailable' ? effect.reason(provider) : ''}`);
      expect(gw.sim.requests).toHaveLength(1);
      await expectUsage(gw, `${provider}/solo`, { requests: 1, failures: 1 });
    },
  },
  none: {
    title: 'sent upstream again',
    async check(gw, provider, _effect, response) {
      await MODES[0]!.expectServed(response, { id: 'solo', provider, attempts: [], content: SOLO_CONTENT });
      expect(gw.sim.requests).toHaveLength(2);
      await expectUsage(gw, `${provider}/solo`, { requests: 2, failures: 1, completed: 1 });
    },
  },
};

describe('the next request after a fault, one deployment (SSE)', () => {
  const [sse] = MODES;

  for (const { fault, provider } of cases) {
    const next = NEXT[fault.effect.type];
    it(`${provider} ${fault.name} → ${next.title}`, async () => {
      const gw = await solo(provider);
      gw.sim.setBehaviour(provider, 'solo', fault.behaviour(provider), { kind: 'ok', content: SOLO_CONTENT });
      await (await sse!.send(gw)).text();
      expect(gw.sim.requests).toHaveLength(1);

      await next.check(gw, provider, fault.effect, await sse!.send(gw));
    });
  }
});

describe('through the openai SDK, with its default retries', () => {
  it('a groq 413 costs one upstream request: the SDK gets a 413, which it does not retry', async () => {
    const gw = await solo('groq');
    const tooLarge = EARLY_FAULTS.find((fault) => fault.kind === 'payload_too_large')!;
    gw.sim.setBehaviour('groq', 'solo', tooLarge.behaviour('groq'));
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1` });

    const error: unknown = await client.chat.completions
      .create({ model: PUBLIC_MODEL, messages: [{ role: 'user', content: 'Say hello.' }] })
      .catch((caught: unknown) => caught);

    // A 5xx here would be retried by the SDK, each retry another request the provider refuses.
    expect(gw.sim.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
  });
});
