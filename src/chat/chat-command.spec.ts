import { describe, expect, it } from 'vitest';
import type { ToolDefinition, UpstreamMessage } from '../providers/provider-adapter.js';
import { assembleToolCalls, estimatePromptTokens, firstToolReplyWithoutCall, requiredCapabilities } from './chat-command.js';

describe('estimatePromptTokens', () => {
  const user: UpstreamMessage = { role: 'user', content: 'x'.repeat(400) };

  it('counts the text of every message, chars/4 plus framing', () => {
    expect(estimatePromptTokens([user])).toBe(100 + 4 + 3);
  });

  it('counts tool calls, tool answers and tool definitions, which the provider puts in the prompt too', () => {
    const call = { id: 'c'.repeat(8), type: 'function' as const, function: { name: 'n'.repeat(8), arguments: 'a'.repeat(384) } };
    const messages: UpstreamMessage[] = [user, { role: 'assistant', content: null, toolCalls: [call] }, { role: 'tool', content: 't'.repeat(400), toolCallId: call.id }];
    const tools: ToolDefinition[] = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', description: 'd'.repeat(1000) } } }];
    const withoutTools = estimatePromptTokens(messages);
    expect(withoutTools).toBe(Math.ceil((400 + 400 + 400) / 4) + 3 * 4 + 3);
    expect(estimatePromptTokens(messages, tools) - withoutTools).toBe(Math.ceil((1200 + JSON.stringify(tools).length) / 4) - 300);
  });
});

describe('assembleToolCalls', () => {
  it('joins each call\'s fragments in order, by index, whatever order the calls interleave in', () => {
    expect(
      assembleToolCalls([
        { index: 1, id: 'b', type: 'function', function: { name: 'time', arguments: '' } },
        { index: 0, id: 'a', type: 'function', function: { name: 'weather', arguments: '{"ci' } },
        { index: 1, function: { arguments: '{}' } },
        { index: 0, function: { arguments: 'ty":"Oslo"}' } },
      ]),
    ).toEqual([
      { id: 'a', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
      { id: 'b', type: 'function', function: { name: 'time', arguments: '{}' } },
    ]);
  });
});

describe('requiredCapabilities', () => {
  it('asks for tools only when there are tools, and for json_schema only when that format is asked for', () => {
    expect(requiredCapabilities({ messages: [] })).toEqual([]);
    expect(requiredCapabilities({ messages: [], tools: [] })).toEqual([]);
    expect(requiredCapabilities({ messages: [], responseFormat: { type: 'json_object' } })).toEqual([]);
    expect(
      requiredCapabilities({ messages: [], tools: [{ type: 'function', function: { name: 'f' } }], responseFormat: { type: 'json_schema' } }),
    ).toEqual(['tools', 'jsonSchema']);
  });
});

describe('firstToolReplyWithoutCall', () => {
  const call = { id: 'c1', type: 'function' as const, function: { name: 'f', arguments: '{}' } };
  const user: UpstreamMessage = { role: 'user', content: 'Hi' };
  const reply = (toolCallId: string): UpstreamMessage => ({ role: 'tool', content: 'x', toolCallId });

  it('finds a tool reply to a call no earlier assistant message made, and nothing in a well-formed conversation', () => {
    expect(firstToolReplyWithoutCall([user, { role: 'assistant', content: null, toolCalls: [call] }, reply('c1')])).toBe(-1);
    expect(firstToolReplyWithoutCall([user, reply('c1')])).toBe(1);
    expect(firstToolReplyWithoutCall([user, { role: 'assistant', content: null, toolCalls: [call] }, reply('c1'), reply('c2')])).toBe(3);
    // The call must come before its reply.
    expect(firstToolReplyWithoutCall([user, reply('c1'), { role: 'assistant', content: null, toolCalls: [call] }])).toBe(1);
  });
});
