// The OpenAI Agents SDK (@openai/agents), whose OpenAI models speak the Responses API, run against
// the gateway: an agent answers, calls a function tool and answers with its result, streams, and
// continues a conversation from its own history.
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { model, type Gateway } from '../../support/gateway-harness.js';

const weatherCall = { id: 'call_w1', name: 'get_weather', arguments: '{"city":"Oslo"}' };
const getWeather = tool({
  name: 'get_weather',
  description: 'The weather in a city now.',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => `${city}: 12 degrees`,
});

/** A runner whose models are the gateway's, through the Responses API (the SDK's default). */
function runnerFor(gateway: Gateway): Runner {
  const openAIClient = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused-by-the-gateway', maxRetries: 0 });
  return new Runner({ modelProvider: new OpenAIProvider({ openAIClient, useResponses: true }) });
}

const sent = (gateway: Gateway) => gateway.sim.requestsFor('groq', 'm').map((request) => request.body as { messages: unknown[]; tools?: unknown[] });

describe('OpenAI Agents SDK through /v1/responses', () => {
  const start = gatewayPerTest();
  // The SDK exports traces to OpenAI by default: nothing here reaches the internet.
  beforeAll(() => setTracingDisabled(true));

  it('runs an agent: instructions and input reach the provider, the final output comes back', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['Hello', ' there.'] });
    const agent = new Agent({ name: 'Greeter', instructions: 'Be brief.', model: 'm' });
    const result = await runnerFor(gateway).run(agent, 'Say hello.');
    expect(result.finalOutput).toBe('Hello there.');
    expect(sent(gateway)[0]!.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello.' },
    ]);
  });

  it('calls a function tool and answers with its result', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', toolCalls: [weatherCall] }, { kind: 'ok', content: ['12 degrees in Oslo.'] });
    const agent = new Agent({ name: 'Weather', instructions: 'Use the tool.', model: 'm', tools: [getWeather] });
    const result = await runnerFor(gateway).run(agent, 'Weather in Oslo?');
    expect(result.finalOutput).toBe('12 degrees in Oslo.');
    const second = sent(gateway)[1]!;
    expect(second.messages.slice(1)).toEqual([
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_w1', content: 'Oslo: 12 degrees' },
    ]);
  });

  it('streams a run: the text arrives in pieces, then the final output', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['One', ', two', ', three.'] });
    const agent = new Agent({ name: 'Counter', instructions: 'Count.', model: 'm' });
    const result = await runnerFor(gateway).run(agent, 'Count to three.', { stream: true });
    let text = '';
    for await (const piece of result.toTextStream()) text += piece;
    await result.completed;
    expect(text).toBe('One, two, three.');
    expect(result.finalOutput).toBe('One, two, three.');
  });

  it('continues a conversation from its own history (the earlier answer sent back as an item)', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['Paris.'] }, { kind: 'ok', content: ['About 2 million.'] });
    const agent = new Agent({ name: 'Geo', instructions: 'Be brief.', model: 'm' });
    const runner = runnerFor(gateway);
    const first = await runner.run(agent, 'Capital of France?');
    const second = await runner.run(agent, [...first.history, { role: 'user', content: 'Its population?' }]);
    expect(second.finalOutput).toBe('About 2 million.');
    expect(sent(gateway)[1]!.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'Its population?' },
    ]);
  });
});
