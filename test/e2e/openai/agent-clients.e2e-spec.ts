// Agent frameworks other people wrote, used as their documentation shows, pointed at the gateway
// (which talks to the simulator): LangChain's ChatOpenAI and the Vercel AI SDK's OpenAI provider.
import { createOpenAI } from '@ai-sdk/openai';
import { tool as langchainTool } from '@langchain/core/tools';
import type { AIMessageChunk } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, isStepCount, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { model, type Gateway } from '../../support/gateway-harness.js';

const PROVIDERS = ['groq', 'cerebras'] as const;

const weatherCall = { id: 'call_w1', name: 'get_weather', arguments: '{"city":"Oslo"}' };

/** One deployment per provider, so each test can pin the dialect it exercises. */
function catalog(provider: (typeof PROVIDERS)[number]) {
  return [model(provider, 'm', { model: 'agent' })];
}

function langchain(gateway: Gateway, options: { streaming?: boolean } = {}): ChatOpenAI {
  return new ChatOpenAI({ model: 'agent', apiKey: 'unused', configuration: { baseURL: `${gateway.url}/v1` }, maxRetries: 0, ...options });
}

/** What the provider was sent, request by request. */
const sentBodies = (gateway: Gateway, provider: string) => gateway.sim.requestsFor(provider as 'groq' | 'cerebras', 'm').map((request) => request.body);

describe('LangChain ChatOpenAI through the gateway', () => {
  const start = gatewayPerTest();

  const getWeather = langchainTool(async ({ city }: { city: string }) => `12 C in ${city}`, {
    name: 'get_weather',
    description: 'The weather in a city now.',
    schema: z.object({ city: z.string() }),
  });

  it.each(PROVIDERS)('bindTools: the model asks for get_weather through %s, the tool message goes back, the model answers', async (provider) => {
    const gateway = await start({ models: catalog(provider) });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [weatherCall] }, { kind: 'ok', content: ['It is 12 C', ' in Oslo.'] });
    const chat = langchain(gateway).bindTools([getWeather]);
    const first = await chat.invoke([['human', 'Weather in Oslo?']]);
    expect(first.tool_calls).toEqual([{ id: 'call_w1', name: 'get_weather', args: { city: 'Oslo' }, type: 'tool_call' }]);
    const toolMessage = await getWeather.invoke(first.tool_calls![0]!);
    const second = await chat.invoke([['human', 'Weather in Oslo?'], first, toolMessage]);
    expect(second.content).toBe('It is 12 C in Oslo.');
    const [, secondBody] = sentBodies(gateway, provider);
    expect(secondBody.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_w1', function: { name: 'get_weather' } }] });
    expect(secondBody.messages.at(-1)).toEqual({ role: 'tool', content: '12 C in Oslo', tool_call_id: 'call_w1' });
  });

  it.each(PROVIDERS)('bindTools with streaming: tool-call chunks from %s are put together by LangChain', async (provider) => {
    const gateway = await start({ models: catalog(provider) });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [weatherCall, { id: 'call_w2', name: 'get_weather', arguments: '{"city":"Bergen"}' }] });
    const stream = await langchain(gateway, { streaming: true }).bindTools([getWeather]).stream([['human', 'Weather in Oslo and Bergen?']]);
    let message: AIMessageChunk | undefined;
    for await (const chunk of stream) message = message ? message.concat(chunk) : chunk;
    expect(message?.tool_calls?.map((call) => [call.id, call.name, call.args])).toEqual([
      ['call_w1', 'get_weather', { city: 'Oslo' }],
      ['call_w2', 'get_weather', { city: 'Bergen' }],
    ]);
  });

  it.each(PROVIDERS)('withStructuredOutput (functionCalling) through %s returns the parsed object', async (provider) => {
    const gateway = await start({ models: catalog(provider) });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [{ id: 'call_s1', name: 'Person', arguments: '{"name":"Ada","born":1815}' }] });
    const Person = z.object({ name: z.string(), born: z.number() }).describe('A person');
    const structured = langchain(gateway).withStructuredOutput(Person, { name: 'Person', method: 'functionCalling' });
    await expect(structured.invoke('Who wrote the first program?')).resolves.toEqual({ name: 'Ada', born: 1815 });
    const [body] = sentBodies(gateway, provider);
    expect(body.tools).toHaveLength(1);
    expect(body.tools[0].function.name).toBe('Person');
    expect(body.tool_choice).toMatchObject({ type: 'function', function: { name: 'Person' } });
  });
});

describe('Vercel AI SDK (@ai-sdk/openai chat model) through the gateway', () => {
  const start = gatewayPerTest();

  const weather = tool({
    description: 'The weather in a city now.',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }: { city: string }) => ({ city, celsius: 12 }),
  });

  function chatModel(gateway: Gateway) {
    return createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused' }).chat('agent');
  }

  it.each(PROVIDERS)('generateText with tools through %s: calls get_weather, feeds the result back, returns the final text', async (provider) => {
    const gateway = await start({ models: catalog(provider) });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [weatherCall] }, { kind: 'ok', content: ['12 C', ' in Oslo.'] });
    const result = await generateText({ model: chatModel(gateway), prompt: 'Weather in Oslo?', tools: { get_weather: weather }, stopWhen: isStepCount(2), maxRetries: 0 });
    expect(result.text).toBe('12 C in Oslo.');
    expect(result.steps[0]?.toolCalls.map((call) => [call.toolName, call.input])).toEqual([['get_weather', { city: 'Oslo' }]]);
    expect(result.steps[0]?.toolResults.map((toolResult) => toolResult.output)).toEqual([{ city: 'Oslo', celsius: 12 }]);
    const [, secondBody] = sentBodies(gateway, provider);
    expect(secondBody.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_w1' });
    expect(JSON.parse(secondBody.messages.at(-1).content)).toEqual({ city: 'Oslo', celsius: 12 });
  });

  it.each(PROVIDERS)('streamText with tools through %s: tool-call fragments arrive as one call, then the final text streams', async (provider) => {
    const gateway = await start({ models: catalog(provider) });
    gateway.sim.setBehaviour(provider, 'm', { kind: 'ok', toolCalls: [weatherCall] }, { kind: 'ok', content: ['12 C', ' in Oslo.'] });
    const result = streamText({ model: chatModel(gateway), prompt: 'Weather in Oslo?', tools: { get_weather: weather }, stopWhen: isStepCount(2), maxRetries: 0 });
    let text = '';
    for await (const part of result.textStream) text += part;
    expect(text).toBe('12 C in Oslo.');
    const steps = await result.steps;
    expect(steps[0]?.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input])).toEqual([['call_w1', 'get_weather', { city: 'Oslo' }]]);
    expect(await result.finishReason).toBe('stop');
  });
});
