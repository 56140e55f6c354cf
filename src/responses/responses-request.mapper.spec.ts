import { describe, expect, it } from 'vitest';
import { RequestInvalidError } from '../common/errors/gateway-errors.js';
import type { ResponseCreateRequestDto } from './dto/response-request.dto.js';
import { toResponsesRequest } from './responses-request.mapper.js';

const request = (fields: Partial<ResponseCreateRequestDto>): ResponseCreateRequestDto => ({ model: 'm', input: 'Hi', ...fields }) as ResponseCreateRequestDto;

function refusal(fields: Partial<ResponseCreateRequestDto>): { field: string; message: string } {
  try {
    toResponsesRequest(request(fields));
  } catch (error) {
    if (!(error instanceof RequestInvalidError)) throw error;
    return { field: error.details.fields[0]!.field, message: error.message };
  }
  throw new Error('expected a 400');
}

describe('toResponsesRequest', () => {
  it('maps the sampling parameters, the token cap, the user and `auto`', () => {
    const { command } = toResponsesRequest(request({ model: 'auto', temperature: 0, top_p: 0.5, max_output_tokens: 99, safety_identifier: 'u1', prompt_cache_key: 'k' }));
    expect(command).toMatchObject({ model: undefined, temperature: 0, topP: 0.5, maxTokens: 99, user: 'u1', promptCacheKey: 'k' });
  });

  it('puts a function call in the assistant message before it, and starts one when there is none', () => {
    const call = { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' };
    const { command } = toResponsesRequest(
      request({
        input: [
          { role: 'user', content: 'Go' },
          { role: 'assistant', content: 'Calling f.' },
          call,
          { ...call, call_id: 'c2' },
          { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_text', text: 'one' }] },
          { type: 'function_call_output', call_id: 'c2', output: 'two' },
          call,
        ],
      }),
    );
    const toolCall = (id: string) => ({ id, type: 'function', function: { name: 'f', arguments: '{}' } });
    expect(command.messages).toEqual([
      { role: 'user', content: 'Go' },
      { role: 'assistant', content: 'Calling f.', toolCalls: [toolCall('c1'), toolCall('c2')] },
      { role: 'tool', toolCallId: 'c1', content: 'one' },
      { role: 'tool', toolCallId: 'c2', content: 'two' },
      { role: 'assistant', content: null, toolCalls: [toolCall('c1')] },
    ]);
  });

  it('nests flat function tools as chat completions does, and offers only the tools allowed_tools lists', () => {
    const tools = [
      { type: 'function' as const, name: 'a', description: 'A', parameters: { type: 'object' }, strict: true },
      { type: 'function' as const, name: 'b', parameters: null, strict: null },
    ];
    expect(toResponsesRequest(request({ tools })).command.tools).toEqual([
      { type: 'function', function: { name: 'a', description: 'A', parameters: { type: 'object' }, strict: true } },
      { type: 'function', function: { name: 'b' } },
    ]);
    const allowed = toResponsesRequest(request({ tools, tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'b' }] } })).command;
    expect(allowed.tools?.map((tool) => tool.function.name)).toEqual(['b']);
    expect(allowed.toolChoice).toBe('auto');
  });

  it('leaves tool_choice and parallel_tool_calls out without tools (the providers refuse them)', () => {
    const { command } = toResponsesRequest(request({ tools: [], tool_choice: 'none', parallel_tool_calls: false }));
    expect(command).toMatchObject({ tools: undefined, toolChoice: undefined, parallelToolCalls: undefined });
  });

  it('sends text.format as response_format, and reasoning.effort in the providers\' range', () => {
    const schema = { type: 'object' };
    const { command, settings } = toResponsesRequest(request({ text: { format: { type: 'json_schema', name: 'X', schema } }, reasoning: { effort: 'xhigh', summary: 'auto' } }));
    expect(command.responseFormat).toEqual({ type: 'json_schema', json_schema: { name: 'X', schema } });
    expect(command.reasoningEffort).toBe('high');
    expect(settings).toMatchObject({ summarise: true, reasoning: { effort: 'xhigh', summary: 'auto' }, text: { format: { type: 'json_schema', name: 'X' } } });
    expect(toResponsesRequest(request({ text: { format: { type: 'json_object' } } })).command.responseFormat).toEqual({ type: 'json_object' });
    expect(toResponsesRequest(request({})).settings).toMatchObject({ summarise: false, toolChoice: 'auto', parallelToolCalls: true, text: { format: { type: 'text' } } });
  });

  it('refuses what cannot be honoured, naming the field', () => {
    expect(refusal({ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'x' }] }] })).toMatchObject({ field: 'input[0].content[0].type', message: expect.stringContaining('images') });
    expect(refusal({ input: [{ role: 'user', content: '' }] }).field).toBe('input[0].content');
    expect(refusal({ input: [{ role: 'user', content: [{ type: 'output_text', text: 'x' }] }] }).field).toBe('input[0].content[0].type');
    expect(refusal({ input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: {} }] }).field).toBe('input[0].arguments');
    expect(refusal({ input: [{ type: 'function_call_output', output: 'x' }] }).field).toBe('input[0].call_id');
    expect(refusal({ input: [{ type: 'computer_call' }] })).toMatchObject({ field: 'input[0].type', message: expect.stringContaining('"computer_call"') });
    expect(refusal({ input: [{ type: 'item_reference', id: 'fc_1' }] })).toMatchObject({ field: 'input[0]', message: expect.stringContaining('store: false') });
  });
});
