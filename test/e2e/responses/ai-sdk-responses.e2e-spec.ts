// The Vercel AI SDK's default OpenAI model, `createOpenAI({ baseURL, apiKey })(model)`, which speaks
// the Responses API (not `.chat(model)`), used as its documentation shows against the gateway.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, isStepCount, streamText, tool, type ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { model, type Gateway } from '../../support/gateway-harness.js';

const PROVIDERS = ['groq', 'cerebras'] as const;
const weatherCall = { id: 'call_w1', name: 'get_weather', arguments: '{"city":"Oslo"}' };

const weather = tool({
  description: 'The weather in a city now.',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }: { city: string }) => ({ city, celsius: 12 }),
});

function defaultModel(gateway: Gateway) {
  return createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused' })('agent');
}

const catalog = (provider: (typeof PROVIDERS)[number]) => ({ models: [model(provider, 'm', { model: 'agent' })] });
const sentBodies = (gateway: Gateway, provider: (typeof PROVIDERS)[number]) => gateway.sim.requestsFor(provider, 'm').map((request) => request.body);

describe('Vercel AI SDK default OpenAI model (Responses API) through the gateway', () => {
  const start = gatewayPerTest();

  it('calls POST /v1/responses (not chat completions)', async () => {
    const gateway = await start(catalog('groq'));
    const paths: string[] = [];
    const spy: typeof fetch = async (input, init) => {
      paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      return fetch(input, init);
    };
    const openai = createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', fetch: spy });
    await generateText({ model: openai('agent'), prompt: 'Hi', maxRetries: 0 });
    expect(paths).toEqual(['/v1/responses']);
  });

  it.each(PROVIDERS)('generateText through %s: the text, the finish reason and the usage', async (provider) => {
    const gateway = await start(catalog(provider));
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['Hello', ' from the gateway.'], usage: { prompt_tokens: 8, completion_tokens: 5 } });
    const result = await generateText({ model: defaultModel(gateway), system: 'Be brief.', prompt: 'Say hello.', maxRetries: 0 });
    expect(result.text).toBe('Hello from the gateway.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 8, outputTokens: 5, totalTokens: 13 });
    expect(result.warnings ?? []).toEqual([]);
    expect(sentBodies(gateway, provider)[0].messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello.' },
    ]);
  });

  it.each(PROVIDERS)('streamText through %s: the text streams in pieces, then finishes with stop', async (provider) => {
    const gateway = await start(catalog(provider));
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', content: ['One', ', two', ', three.'] });
    const result = streamText({ model: defaultModel(gateway), prompt: 'Count to three.', maxRetries: 0 });
    const pieces: string[] = [];
    for await (const piece of result.textStream) pieces.push(piece);
    expect(pieces).toEqual(['One', ', two', ', three.']);
    expect(await result.finishReason).toBe('stop');
  });

  it.each(PROVIDERS)('generateText with tools through %s: calls get_weather, feeds the result back, returns the final text', async (provider) => {
    const gateway = await start(catalog(provider));
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [weatherCall] }, { kind: 'ok', content: ['12 C', ' in Oslo.'] });
    const result = await generateText({ model: defaultModel(gateway), prompt: 'Weather in Oslo?', tools: { get_weather: weather }, stopWhen: isStepCount(2), maxRetries: 0 });
    expect(result.text).toBe('12 C in Oslo.');
    expect(result.steps[0]?.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input])).toEqual([['call_w1', 'get_weather', { city: 'Oslo' }]]);
    expect(result.steps[0]?.finishReason).toBe('tool-calls');
    const [first, second] = sentBodies(gateway, provider);
    expect(first.tools).toEqual([expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'get_weather' }) })]);
    expect(second.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_w1', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] });
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_w1' });
    expect(JSON.parse(second.messages.at(-1).content)).toEqual({ city: 'Oslo', celsius: 12 });
  });

  it.each(PROVIDERS)('streamText with tools through %s: the call arrives whole, then the final text streams', async (provider) => {
    const gateway = await start(catalog(provider));
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [weatherCall] }, { kind: 'ok', content: ['12 C', ' in Oslo.'] });
    const result = streamText({ model: defaultModel(gateway), prompt: 'Weather in Oslo?', tools: { get_weather: weather }, stopWhen: isStepCount(2), maxRetries: 0 });
    let text = '';
    for await (const piece of result.textStream) text += piece;
    expect(text).toBe('12 C in Oslo.');
    const steps = await result.steps;
    expect(steps[0]?.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input])).toEqual([['call_w1', 'get_weather', { city: 'Oslo' }]]);
    expect(steps[0]?.toolResults.map((toolResult) => toolResult.output)).toEqual([{ city: 'Oslo', celsius: 12 }]);
    expect(await result.finishReason).toBe('stop');
  });

  it('a tool loop over a reasoning answer: the reasoning item it sends back by reference is ignored, the loop completes', async () => {
    const gateway = await start(catalog('groq'));
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', reasoning: ['Need the weather.'], toolCalls: [weatherCall] }, { kind: 'ok', content: ['12 C.'] });
    const result = await generateText({ model: defaultModel(gateway), prompt: 'Weather in Oslo?', tools: { get_weather: weather }, stopWhen: isStepCount(2), maxRetries: 0 });
    expect(result.text).toBe('12 C.');
    expect(sentBodies(gateway, 'groq')[1].messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'tool']);
  });

  it('streams the reasoning to the AI SDK when it asks for a summary (reasoningSummary), and its text after', async () => {
    const gateway = await start(catalog('cerebras'));
    gateway.sim.setBehaviour('cerebras', 'm', { kind: 'ok', reasoning: ['Step one, ', 'step two.'], content: ['Answer.'] });
    const result = streamText({
      model: defaultModel(gateway),
      prompt: 'Think, then answer.',
      providerOptions: { openai: { forceReasoning: true, reasoningSummary: 'auto', reasoningEffort: 'low' } },
      maxRetries: 0,
    });
    let text = '';
    for await (const piece of result.textStream) text += piece;
    expect(text).toBe('Answer.');
    expect(await result.reasoningText).toBe('Step one, step two.');
    expect(sentBodies(gateway, 'cerebras')[0].reasoning_effort).toBe('low');
  });

  it('multi-turn with providerOptions.openai.store = false: the earlier answer goes back as text, and reaches the provider', async () => {
    const gateway = await start(catalog('groq'));
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['Paris.'] }, { kind: 'ok', content: ['About 2 million.'] });
    const stateless = { openai: { store: false } };
    const messages: ModelMessage[] = [{ role: 'user', content: 'Capital of France?' }];
    const first = await generateText({ model: defaultModel(gateway), messages, providerOptions: stateless, maxRetries: 0 });
    messages.push(...first.response.messages, { role: 'user', content: 'Its population?' });
    const second = await generateText({ model: defaultModel(gateway), messages, providerOptions: stateless, maxRetries: 0 });
    expect(second.text).toBe('About 2 million.');
    expect(sentBodies(gateway, 'groq')[1].messages).toEqual([
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'Its population?' },
    ]);
  });

  it('multi-turn with the default store (after a tool round): the earlier answer goes back by reference, resolved to the text the gateway sent', async () => {
    const gateway = await start(catalog('groq'));
    gateway.sim.setBehaviour(
      'groq',
      'm',
      { kind: 'ok', toolCalls: [weatherCall] },
      { kind: 'ok', content: ['12 degrees in Oslo.'] },
      { kind: 'ok', content: ['Take a coat.'] },
    );
    const messages: ModelMessage[] = [{ role: 'user', content: 'Weather in Oslo?' }];
    const first = await generateText({ model: defaultModel(gateway), messages, tools: { get_weather: weather }, stopWhen: isStepCount(3), maxRetries: 0 });
    expect(first.text).toBe('12 degrees in Oslo.');
    messages.push(...first.response.messages, { role: 'user', content: 'Coat or not?' });

    const bodies: Array<{ input: unknown[] }> = [];
    const spy: typeof fetch = async (input, init) => {
      if (typeof init?.body === 'string') bodies.push(JSON.parse(init.body) as { input: unknown[] });
      return fetch(input, init);
    };
    const second = await generateText({ model: createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', fetch: spy })('agent'), messages, tools: { get_weather: weather }, maxRetries: 0 });
    expect(second.text).toBe('Take a coat.');
    // The SDK sends the earlier answer as a reference, not as its text (and leaves the finished
    // tool round out): the provider gets the text the gateway sent.
    expect(bodies[0]!.input).toContainEqual({ type: 'item_reference', id: expect.stringMatching(/^msg_/) });
    expect(sentBodies(gateway, 'groq')[2].messages).toEqual([
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: '12 degrees in Oslo.' },
      { role: 'user', content: 'Coat or not?' },
    ]);
  });
});
