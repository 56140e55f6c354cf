import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../chat/chat-command.js';
import { ResponseEventStream } from './response-event-stream.js';
import type { ResponseObject } from './response-objects.js';

const head = { id: 'resp_r', object: 'response', status: 'in_progress', output: [] } as unknown as ResponseObject;
const usage = { promptTokens: 1, completionTokens: 2, totalTokens: 3 };

interface EventData {
  type: string;
  sequence_number: number;
  output_index?: number;
  item?: { type: string; id: string };
}

/** The events' data, in order. */
function run(events: ChatEvent[], summarise = false, fail?: string): EventData[] {
  const stream = new ResponseEventStream(head, 'r', summarise);
  let text = stream.start();
  for (const event of events) text += stream.push(event);
  if (fail) text += stream.fail(fail);
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)) as EventData);
}

describe('ResponseEventStream', () => {
  it('numbers the events from 0 and gives each item its own output index, in the order the output came', () => {
    const events = run([
      { type: 'reasoning', text: 'hm' },
      { type: 'delta', content: 'Hi' },
      { type: 'tool_calls', calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '{' } }] },
      { type: 'tool_calls', calls: [{ index: 0, function: { arguments: '}' } }] },
      { type: 'done', finishReason: 'tool_calls', usage },
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const added = events.filter((event) => event.type === 'response.output_item.added');
    expect(added.map((event) => [event.output_index, event.item?.type, event.item?.id])).toEqual([
      [0, 'reasoning', 'rs_r'],
      [1, 'message', 'msg_r'],
      [2, 'function_call', 'fc_r_0'],
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'response.completed',
      response: {
        status: 'completed',
        output: [
          { type: 'reasoning', content: [{ text: 'hm' }], summary: [], status: 'completed' },
          { type: 'message', content: [{ text: 'Hi' }], status: 'completed' },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}', status: 'completed' },
        ],
        usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
      },
    });
  });

  it('closes the reasoning item before the text begins, and mirrors it into the summary when asked', () => {
    const types = run([{ type: 'reasoning', text: 'a' }, { type: 'delta', content: 'b' }, { type: 'done', finishReason: 'stop', usage }], true).map((event) => event.type);
    expect(types.indexOf('response.reasoning_summary_part.done')).toBeLessThan(types.indexOf('response.output_item.done'));
    expect(types.indexOf('response.output_item.done')).toBeLessThan(types.indexOf('response.output_text.delta'));
    expect(types.filter((type) => type === 'response.reasoning_summary_text.delta')).toHaveLength(1);
  });

  it('a second message after a tool call is a new item with its own id', () => {
    const events = run([
      { type: 'delta', content: 'a' },
      { type: 'tool_calls', calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{}' } }] },
      { type: 'delta', content: 'b' },
      { type: 'done', finishReason: 'stop', usage },
    ]);
    expect(events.filter((event) => event.type === 'response.output_item.added').map((event) => event.item?.id)).toEqual(['msg_r', 'fc_r_0', 'msg_r_1']);
  });

  it('ends a cut answer with its items incomplete and response.failed, never response.completed', () => {
    const events = run([{ type: 'delta', content: 'par' }], false, 'The provider broke off.');
    expect(events.map((event) => event.type)).not.toContain('response.completed');
    expect(events.at(-1)).toMatchObject({
      type: 'response.failed',
      response: { status: 'failed', error: { code: 'server_error', message: 'The provider broke off.' }, output: [{ type: 'message', status: 'incomplete', content: [{ text: 'par' }] }] },
    });
  });

  it('a `length` finish is response.incomplete with the reason', () => {
    expect(run([{ type: 'delta', content: 'x' }, { type: 'done', finishReason: 'length', usage }]).at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ status: 'incomplete' }] },
    });
  });
});
