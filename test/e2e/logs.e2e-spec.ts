// Structured logs: JSON lines, one per chat request with what an operator needs, the request id
// the client sent (or a generated one) in the line and in the x-request-id header, LOG_LEVEL.
import { describe, expect, it } from 'vitest';
import { CapturedLog } from '../support/captured-log.js';
import { eventually, gatewayPerTest } from '../support/gateway-client.js';
import { hello, model, postChat } from '../support/gateway-harness.js';

const start = gatewayPerTest();

describe('structured logs', () => {
  it('writes one JSON line per chat request: model, provider, attempts, tokens, time to first token, duration, outcome', async () => {
    const log = new CapturedLog();
    const gw = await start({
      models: [model('groq', 'busy', { priority: 1 }), model('cerebras', 'spare', { priority: 2 })],
      env: { ROTATION_STRATEGY: 'priority' },
      logDestination: log,
    });
    gw.sim.setBehaviour('groq', 'busy', { kind: 'error', status: 429, headers: { 'retry-after': '30' } });
    gw.sim.setBehaviour('cerebras', 'spare', { kind: 'ok', content: ['Hi', ' there'], usage: { prompt_tokens: 12, completion_tokens: 3 } });

    const response = await postChat(gw, hello, { 'x-request-id': 'trace-abc-123' });
    await response.text();

    expect(response.headers.get('x-request-id')).toBe('trace-abc-123');
    const [line] = await eventually(async () => {
      expect(log.chatRequests).toHaveLength(1);
      return log.chatRequests;
    });
    expect(line).toMatchObject({
      level: 'info',
      service: 'llm-gateway',
      requestId: 'trace-abc-123',
      route: 'chat',
      client: null,
      requestedModel: null,
      provider: 'cerebras',
      model: 'spare',
      attempts: 2,
      promptTokens: 12,
      completionTokens: 3,
      outcome: 'completed',
      errorCode: null,
    });
    expect(line!.timeToFirstTokenMs).toEqual(expect.any(Number));
    expect(line!.durationMs as number).toBeGreaterThanOrEqual(line!.timeToFirstTokenMs as number);
    expect(Date.parse(line!.time as string)).not.toBeNaN();
  });

  it('logs refused and failed requests too, with the error code the client saw, failures as warnings', async () => {
    const log = new CapturedLog();
    const gw = await start({ models: [model('groq', 'm')], env: { AUTO_FALLBACK: 'false' }, logDestination: log });
    gw.sim.setBehaviour('groq', 'm', { kind: 'error', status: 500 });

    const failed = await postChat(gw, { ...hello, stream: false });
    const unknown = await postChat(gw, { ...hello, model: 'no-such-model', stream: false });
    expect([failed.status, unknown.status]).toEqual([502, 404]);

    await eventually(async () => expect(log.chatRequests).toHaveLength(2));
    expect(log.chatRequests).toEqual([
      expect.objectContaining({ level: 'warn', outcome: 'failed', errorCode: 'upstream_error', attempts: 1, provider: null, timeToFirstTokenMs: null }),
      expect.objectContaining({ level: 'info', outcome: 'rejected', errorCode: 'model_not_found', attempts: 0, requestedModel: 'no-such-model' }),
    ]);
    // Every id is in its line and its response.
    const ids = log.chatRequests.map((line) => line.requestId);
    expect(ids).toEqual([failed.headers.get('x-request-id'), unknown.headers.get('x-request-id')]);
  });

  it('generates a request id when the client sent none, or one unfit for a log line and a header', async () => {
    const log = new CapturedLog();
    const gw = await start({ models: [model('groq', 'm')], logDestination: log });

    const plain = await fetch(`${gw.url}/models`);
    const hostile = await fetch(`${gw.url}/models`, { headers: { 'x-request-id': `a"b ${'x'.repeat(200)}` } });

    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(plain.headers.get('x-request-id')).toMatch(uuid);
    expect(hostile.headers.get('x-request-id')).toMatch(uuid);
  });

  it('LOG_LEVEL=warn leaves out the lines of requests that went well', async () => {
    const log = new CapturedLog();
    const gw = await start({ models: [model('groq', 'm')], env: { LOG_LEVEL: 'warn' }, logDestination: log });

    await (await postChat(gw, hello)).text();
    gw.sim.setBehaviour('groq', 'm', { kind: 'error', status: 500 });
    await (await postChat(gw, hello)).text();

    await eventually(async () => expect(log.chatRequests).toHaveLength(1));
    expect(log.chatRequests[0]).toMatchObject({ level: 'warn', outcome: 'failed' });
    expect(log.lines.every((line) => line.level !== 'info')).toBe(true);
  });
});
