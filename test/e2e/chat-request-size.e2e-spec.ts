import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hello, model, postChat, startGateway, type Gateway } from '../support/gateway-harness.js';

describe('a request larger than every candidate can ever take', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({
      models: [
        model('groq', 'small', { limits: { requestsPerMinute: 10, requestsPerDay: 100, tokensPerMinute: 100, tokensPerDay: 1000 } }),
      ],
    });
  });
  afterAll(() => gateway.close());

  it('answers 413 request_too_large instead of a 429 whose wait would never help', async () => {
    const response = await postChat(gateway, { ...hello, max_tokens: 200 });
    expect(response.status).toBe(413);
    expect(response.headers.get('retry-after')).toBeNull();
    const body = await response.json();
    expect(body.error.code).toBe('request_too_large');
    expect(body.error.message).toContain('groq/small');
    expect(gateway.sim.requests).toHaveLength(0);
  });

  it('still serves a request that fits', async () => {
    const response = await postChat(gateway, { ...hello, max_tokens: 50, stream: false });
    expect(response.status).toBe(200);
  });
});
