// The output items /v1/responses sent come back by reference (item_reference) in a client's next
// request: resolved to what was sent, per access key; anything else stays a 400.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { ResponseOutputItem } from 'openai/resources/responses/responses';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAccessKey, hashAccessKey } from '../../../src/access/access-key.js';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { model, type Gateway } from '../../support/gateway-harness.js';
import { client } from './responses-client.js';

const start = gatewayPerTest();
const weatherCall = { id: 'call_w1', name: 'get_weather', arguments: '{"city":"Oslo"}' };
const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];

const sent = (gateway: Gateway) => gateway.sim.requestsFor('groq', 'm').map((request) => request.body as { messages: unknown[] });
const idsOf = (output: ResponseOutputItem[]) => output.map((item) => ('id' in item ? item.id : undefined));

describe('item references on /v1/responses', () => {
  let directory: string | undefined;
  afterEach(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('resolves references to the message and function call items it sent (streamed or not) to the items themselves', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['Paris.'] }, { kind: 'ok', toolCalls: [weatherCall] }, { kind: 'ok', content: ['12 degrees.'] });
    const openai = client(gateway);
    const first = await openai.responses.create({ model: 'm', input: 'Capital of France?' });
    const stream = await openai.responses.create({ model: 'm', input: 'Weather there?', tools, stream: true });
    let second: ResponseOutputItem[] = [];
    for await (const event of stream) if (event.type === 'response.completed') second = event.response.output;
    expect(second.map((item) => item.type)).toEqual(['function_call']);

    await openai.responses.create({
      model: 'm',
      input: [
        { role: 'user', content: 'Capital of France?' },
        { type: 'item_reference', id: first.output[0]!.id! },
        { role: 'user', content: 'Weather there?' },
        { type: 'item_reference', id: idsOf(second)[0]! },
        { type: 'function_call_output', call_id: 'call_w1', output: '{"celsius":12}' },
      ],
      tools,
    });
    expect(sent(gateway)[2]!.messages).toEqual([
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'Weather there?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_w1', content: '{"celsius":12}' },
    ]);
  });

  it('gives every response its own item ids, even when the client sends the same x-request-id', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['One.'] }, { kind: 'ok', content: ['Two.'] });
    const openai = client(gateway);
    const ask = () => openai.responses.create({ model: 'm', input: 'Count.' }, { headers: { 'x-request-id': 'same-id' } });
    const [first, second] = [await ask(), await ask()];
    expect(first.output[0]!.id).not.toBe(second.output[0]!.id);
    await openai.responses.create({ model: 'm', input: [{ type: 'item_reference', id: first.output[0]!.id! }, { role: 'user', content: 'Again?' }] });
    expect(sent(gateway)[2]!.messages[0]).toEqual({ role: 'assistant', content: 'One.' });
  });

  it("refuses a reference to another key's item, or to one it never sent, with a 400 naming it", async () => {
    const [a, b] = [generateAccessKey(), generateAccessKey()];
    directory = mkdtempSync(join(tmpdir(), 'item-references-'));
    const file = join(directory, 'keys.json');
    writeFileSync(file, JSON.stringify([{ name: 'team-a', sha256: hashAccessKey(a) }, { name: 'team-b', sha256: hashAccessKey(b) }]));
    const gateway = await start({ models: [model('groq', 'm')], env: { GATEWAY_API_KEYS: file } });
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['Secret plan.'] });
    const as = (key: string) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const answer = await as(a).responses.create({ model: 'm', input: 'Plan?' });
    const id = answer.output[0]!.id!;

    for (const [key, reference] of [
      [b, id],
      [a, 'msg_never-sent'],
    ] as const) {
      const refused = as(key).responses.create({ model: 'm', input: [{ type: 'item_reference', id: reference }, { role: 'user', content: 'Go on.' }] });
      await expect(refused).rejects.toMatchObject({ status: 400, message: expect.stringContaining(`item_reference "${reference}"`) });
    }
    expect(gateway.sim.requests).toHaveLength(1);
  });
});
