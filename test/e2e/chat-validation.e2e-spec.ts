// The POST /chat body: every bad field is a 400 listing the field errors, never a 500, and
// nothing reaches a provider.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayPerTest } from '../support/gateway-client.js';
import { hello, model, postChat, startGateway, type Gateway } from '../support/gateway-harness.js';
import { dataOf, readSse } from '../support/sse-stream.js';

const user = (content: string) => ({ role: 'user', content });

interface FieldErrors {
  error: { code: string; message: string; details: { fields: Array<{ field: string; errors: string[] }> } };
}

describe('field validation', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ models: [model('groq', 'm')] });
  });
  beforeEach(() => gw.sim.reset());
  afterAll(() => gw.close());

  const invalid: Array<{ name: string; body: unknown; fields: string[] }> = [
    { name: 'messages is missing', body: {}, fields: ['messages'] },
    { name: 'messages is empty', body: { messages: [] }, fields: ['messages'] },
    { name: 'messages is not an array', body: { messages: 'hello' }, fields: ['messages'] },
    { name: 'a message is not an object', body: { messages: ['hello'] }, fields: ['messages', 'messages.0'] },
    { name: 'a message is null', body: { messages: [null] }, fields: ['messages', 'messages.0'] },
    { name: 'a role is not system, user or assistant', body: { messages: [{ role: 'tool', content: 'x' }] }, fields: ['messages.0.role'] },
    { name: 'a role is missing', body: { messages: [{ content: 'x' }] }, fields: ['messages.0.role'] },
    { name: 'a content is empty', body: { messages: [user('')] }, fields: ['messages.0.content'] },
    { name: 'a content is not a string', body: { messages: [{ role: 'user', content: 42 }] }, fields: ['messages.0.content'] },
    { name: 'a content is missing', body: { messages: [{ role: 'user' }] }, fields: ['messages.0.content'] },
    { name: 'the second message is bad', body: { messages: [user('ok'), { role: 'bot', content: 'x' }] }, fields: ['messages.1.role'] },
    { name: 'model is empty', body: { ...hello, model: '' }, fields: ['model'] },
    { name: 'model is not a string', body: { ...hello, model: 7 }, fields: ['model'] },
    { name: 'temperature is above 2', body: { ...hello, temperature: 2.5 }, fields: ['temperature'] },
    { name: 'temperature is negative', body: { ...hello, temperature: -0.1 }, fields: ['temperature'] },
    { name: 'temperature is a string', body: { ...hello, temperature: '0.5' }, fields: ['temperature'] },
    { name: 'max_tokens is 0', body: { ...hello, max_tokens: 0 }, fields: ['max_tokens'] },
    { name: 'max_tokens is not an integer', body: { ...hello, max_tokens: 10.5 }, fields: ['max_tokens'] },
    { name: 'max_tokens is a string', body: { ...hello, max_tokens: '10' }, fields: ['max_tokens'] },
    { name: 'top_p is above 1', body: { ...hello, top_p: 1.5 }, fields: ['top_p'] },
    { name: 'stop has 5 strings', body: { ...hello, stop: ['a', 'b', 'c', 'd', 'e'] }, fields: ['stop'] },
    { name: 'stop is a number', body: { ...hello, stop: 5 }, fields: ['stop'] },
    { name: 'stop holds a number', body: { ...hello, stop: ['a', 1] }, fields: ['stop'] },
    { name: 'stream is a string', body: { ...hello, stream: 'false' }, fields: ['stream'] },
    { name: 'an unknown field is sent', body: { ...hello, user: 'me' }, fields: ['user'] },
    { name: 'a message has an unknown field', body: { messages: [{ ...user('x'), name: 'bob' }] }, fields: ['messages.0.name'] },
    {
      name: 'several fields are bad',
      body: { messages: [user('x')], temperature: 9, top_p: -1, max_tokens: 0, extra: true },
      fields: ['temperature', 'top_p', 'max_tokens', 'extra'],
    },
  ];

  for (const { name, body, fields } of invalid) {
    it(`answers 400 validation_failed naming ${fields.join(', ')} when ${name}`, async () => {
      const response = await postChat(gw, body);
      const json = (await response.json()) as FieldErrors;

      expect(response.status).toBe(400);
      expect(json.error).toMatchObject({ code: 'validation_failed', message: expect.any(String) });
      const named = json.error.details.fields.map((entry) => entry.field);
      expect(new Set(named)).toEqual(new Set(fields));
      for (const entry of json.error.details.fields) expect(entry.errors.length).toBeGreaterThan(0);
      expect(gw.sim.requests).toHaveLength(0);
    });
  }

  for (const [name, messages] of [
    ['an array holding a message', [[user('hi')]]],
    ['an empty array', [[]]],
    ['an array after a good message', [user('hi'), [user('again')]]],
  ] as const) {
    it(`answers 400 validation_failed on messages, not 500, when a message is ${name}`, async () => {
      const response = await postChat(gw, { messages });
      const json = (await response.json()) as FieldErrors;

      expect(response.status).toBe(400);
      expect(json.error.code).toBe('validation_failed');
      expect(json.error.details.fields.map((entry) => entry.field)).toContainEqual(expect.stringMatching(/^messages/));
      expect(gw.sim.requests).toHaveLength(0);
    });
  }

  for (const [name, raw] of [
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['a number', '42'],
  ] as const) {
    it(`answers 400, not 500, when the JSON body is ${name}`, async () => {
      const response = await postChat(gw, raw);

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.any(String) } });
    });
  }

  for (const [name, raw] of [
    ['malformed', '{"messages": [{"role": "user", "content": "hi"}'],
    ['empty', ''],
    ['not JSON at all', 'hello there'],
  ] as const) {
    it(`answers 400 invalid_json when the JSON body is ${name}`, async () => {
      const response = await postChat(gw, raw);

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_json', message: expect.any(String) } });
      expect(gw.sim.requests).toHaveLength(0);
    });
  }

  it('accepts each role and a stop string, and forwards the parameters (temperature 0 included) to the provider', async () => {
    const body = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Again' },
      ],
      temperature: 0,
      top_p: 0.9,
      max_tokens: 33,
      stop: 'END',
    };

    const response = await postChat(gw, body);
    await response.text();

    expect(response.status).toBe(200);
    expect(gw.sim.requests[0]!.body).toMatchObject({
      model: 'm',
      messages: body.messages,
      temperature: 0,
      top_p: 0.9,
      max_completion_tokens: 33,
      stop: ['END'],
      stream: true,
    });
  });

  it('accepts up to 4 stop strings', async () => {
    const response = await postChat(gw, { ...hello, stop: ['a', 'b', 'c', 'd'] });
    await response.text();

    expect(response.status).toBe(200);
    expect(gw.sim.requests[0]!.body.stop).toEqual(['a', 'b', 'c', 'd']);
  });

  it("sends the model's defaults when temperature, top_p and max_tokens are omitted", async () => {
    const response = await postChat(gw, hello);
    await response.text();

    expect(response.status).toBe(200);
    expect(gw.sim.requests[0]!.body).toMatchObject({ temperature: 0.5, top_p: 1, max_completion_tokens: 64 });
    expect(gw.sim.requests[0]!.body).not.toHaveProperty('stop');
  });

  it('streams by default and with stream: true', async () => {
    for (const body of [hello, { ...hello, stream: true }]) {
      const response = await postChat(gw, body);

      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(dataOf(await readSse(response), 'done')).toHaveLength(1);
    }
  });
});

describe('size caps', () => {
  const start = gatewayPerTest();

  it('answers 400 validation_failed on messages when there are more than MAX_MESSAGES', async () => {
    const gw = await start({ models: [model('groq', 'm')], env: { MAX_MESSAGES: '2' } });

    const response = await postChat(gw, { messages: [user('a'), user('b'), user('c')] });
    const json = (await response.json()) as FieldErrors;

    expect(response.status).toBe(400);
    expect(json.error.code).toBe('validation_failed');
    expect(json.error.details.fields.map((entry) => entry.field)).toEqual(['messages']);
    expect(gw.sim.requests).toHaveLength(0);
  });

  it('accepts exactly MAX_MESSAGES messages', async () => {
    const gw = await start({ models: [model('groq', 'm')], env: { MAX_MESSAGES: '2' } });

    const response = await postChat(gw, { messages: [user('a'), user('b')] });
    await response.text();

    expect(response.status).toBe(200);
  });

  it('answers 400 validation_failed on messages when the contents add up to more than MAX_INPUT_CHARS', async () => {
    const gw = await start({ models: [model('groq', 'm')], env: { MAX_INPUT_CHARS: '20' } });

    const response = await postChat(gw, { messages: [user('x'.repeat(10)), user('y'.repeat(11))] });
    const json = (await response.json()) as FieldErrors;

    expect(response.status).toBe(400);
    expect(json.error.code).toBe('validation_failed');
    expect(json.error.details.fields.map((entry) => entry.field)).toEqual(['messages']);
    expect(gw.sim.requests).toHaveLength(0);
  });

  it('accepts contents of exactly MAX_INPUT_CHARS characters', async () => {
    const gw = await start({ models: [model('groq', 'm')], env: { MAX_INPUT_CHARS: '20' } });

    const response = await postChat(gw, { messages: [user('x'.repeat(10)), user('y'.repeat(10))] });
    await response.text();

    expect(response.status).toBe(200);
  });
});
