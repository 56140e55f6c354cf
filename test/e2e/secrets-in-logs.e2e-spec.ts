import { afterEach, describe, expect, it, vi } from 'vitest';
import { hello, postChat, startGateway, TEST_CEREBRAS_KEY, TEST_GROQ_KEY, type Gateway } from '../support/gateway-harness.js';

describe('provider keys never reach the console', () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await gateway?.close();
    delete process.env.DEBUG;
  });

  it('even with DEBUG=true, which makes the Cerebras SDK log request headers', async () => {
    process.env.DEBUG = 'true';
    const printed: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        printed.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      });
    }
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    gateway = await startGateway();
    gateway.sim.setBehaviour('cerebras', 'gpt-oss-120b', { kind: 'error', status: 500 });
    for (const model of ['cerebras/gpt-oss-120b', 'cerebras/qwen-3.8-27b', 'groq/openai/gpt-oss-20b']) {
      await (await postChat(gateway, { ...hello, model })).text();
    }
    expect(gateway.sim.requestsFor('cerebras').length).toBeGreaterThanOrEqual(2);
    const output = printed.join('\n');
    expect(output).not.toContain(TEST_CEREBRAS_KEY);
    expect(output).not.toContain(TEST_GROQ_KEY);
  });
});
