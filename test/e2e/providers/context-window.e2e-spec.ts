// Context windows: a request whose estimated prompt plus max_tokens cannot fit a deployment's
// window skips it (named in the attempts) instead of spending an upstream call on a certain 400.
import { describe, expect, it } from 'vitest';
import { eventually, gatewayPerTest, modelView } from '../../support/gateway-client.js';
import { hello, model, postChat } from '../../support/gateway-harness.js';

const start = gatewayPerTest();
const pair = [model('groq', 'small', { model: 'm', priority: 1, contextWindow: 2_000 }), model('cerebras', 'large', { model: 'm', priority: 2, contextWindow: 100_000 })];
/** About 3,000 tokens of prompt by the gateway's estimate (characters / 4). */
const longPrompt = { role: 'user', content: 'word '.repeat(2_400) };

describe('context windows', () => {
  it('skips a deployment whose window the request cannot fit, names it in the attempts, and serves from one it fits', async () => {
    const gw = await start({ models: pair, env: { ROTATION_STRATEGY: 'priority' } });
    const response = await postChat(gw, { model: 'm', messages: [longPrompt], max_tokens: 100, stream: false });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ provider: 'cerebras', attempts: [{ provider: 'groq', model: 'small', error: 'context_window_exceeded' }] });
    expect(gw.sim.requestsFor('groq')).toHaveLength(0);
    // A short request still goes to the first.
    expect(((await (await postChat(gw, { ...hello, model: 'm', max_tokens: 100, stream: false })).json()) as { provider: string }).provider).toBe('groq');
    // A skip is not the deployment's failure: no circuit, no failure counted.
    expect((await modelView(gw, 'groq/small')).circuit.recentFailures).toBe(0);
  });

  it('counts max_tokens (or the catalog default) in, and answers 413 without an upstream call when no window fits', async () => {
    const gw = await start({ models: pair, env: { ROTATION_STRATEGY: 'priority' } });
    const response = await postChat(gw, { ...hello, model: 'm', max_tokens: 100_000, stream: false });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('request_too_large');
    expect(body.error.message).toContain('groq/small needs about');
    expect(body.error.message).toContain('more than its 100000-token context window');
    expect(gw.sim.requests).toHaveLength(0);
  });

  it("uses the window the provider's model list reports when the catalog states none", async () => {
    const gw = await start({
      models: [model('groq', 'listed', { model: 'm', priority: 1 }), model('cerebras', 'large', { model: 'm', priority: 2 })],
      env: { ROTATION_STRATEGY: 'priority', MODEL_DISCOVERY_INTERVAL_MS: '100' },
    });
    gw.sim.setOfferedModels('groq', ['listed']);
    gw.sim.setOfferedModels('cerebras', ['large']);
    await eventually(async () => expect((await modelView(gw, 'groq/listed')).contextWindow).toBe(131_072));
    // The largest max_tokens there is: with the prompt it cannot fit Groq's reported 131,072.
    const response = await postChat(gw, { ...hello, model: 'm', max_tokens: 131_072, stream: false });
    expect(await response.json()).toMatchObject({ provider: 'cerebras', attempts: [{ provider: 'groq', error: 'context_window_exceeded' }] });
    const v1 = (await (await fetch(`${gw.url}/v1/models/groq%2Flisted`)).json()) as { context_window?: number };
    expect(v1.context_window).toBe(131_072);
  });
});
