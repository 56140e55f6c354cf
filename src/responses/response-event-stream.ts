import type { ChatEvent } from '../chat/chat-command.js';
import { sseEvent } from '../common/http/raw-stream.js';
import type { ToolCallDelta } from '../providers/provider-adapter.js';
import type { ResponseFunctionCallDto } from './dto/response.dto.js';
import { incompleteDetails, messageItem, reasoningItem, ResponseIds, toResponseUsage, type ItemStatus, type OutputItem, type ResponseObject } from './response-objects.js';

/** The text item being written (reasoning or the message): one is open at a time. */
interface OpenText {
  kind: 'reasoning' | 'message';
  id: string;
  outputIndex: number;
  text: string;
}

interface OpenCall {
  item: ResponseFunctionCallDto;
  outputIndex: number;
}

/**
 * Turns an answer's events into the Responses API's stream events, as SSE frames (`event:` and
 * `data:` lines, every data with `type` and `sequence_number`), keeping the response's state for
 * the last event. Items open when their first piece arrives and close when another kind of output
 * begins (reasoning, text) or when the answer ends (function calls, which a provider may
 * interleave by index). Only text and reasoning items are ever reopened as new items.
 */
export class ResponseEventStream {
  private sequence = 0;
  private readonly ids: ResponseIds;
  /** The items in output order: closed ones whole, open ones as they began. */
  private readonly output: OutputItem[] = [];
  private open: OpenText | null = null;
  private readonly calls = new Map<number, OpenCall>();
  private reasoningItems = 0;
  private messages = 0;

  constructor(
    private readonly head: ResponseObject,
    itemToken: string,
    private readonly summarise: boolean,
  ) {
    this.ids = new ResponseIds(itemToken);
  }

  /** The output items so far: each whole once closed (all of them after the last event). */
  get items(): readonly OutputItem[] {
    return this.output;
  }

  /** `response.created` and `response.in_progress`. */
  start(): string {
    return this.frame('response.created', { response: this.head }) + this.frame('response.in_progress', { response: this.head });
  }

  /** The frames for one event of the answer; after `done`, the last one (`response.completed` or `response.incomplete`). */
  push(event: ChatEvent): string {
    switch (event.type) {
      case 'delta':
        return this.text('message', event.content);
      case 'reasoning':
        return this.text('reasoning', event.text);
      case 'tool_calls':
        return event.calls.map((call) => this.callFragment(call)).join('');
      case 'done': {
        const incomplete = incompleteDetails(event.finishReason);
        const status: ItemStatus = incomplete ? 'incomplete' : 'completed';
        const text = this.closeAll(status);
        const response = { ...this.head, status: incomplete ? 'incomplete' : 'completed', output: this.output, usage: toResponseUsage(event.usage), incomplete_details: incomplete } as const;
        return text + this.frame(incomplete ? 'response.incomplete' : 'response.completed', { response });
      }
    }
  }

  /** The answer broke off: the open items close as incomplete, then `response.failed` with the error. */
  fail(message: string): string {
    const text = this.closeAll('incomplete');
    const response = { ...this.head, status: 'failed', output: this.output, error: { code: 'server_error', message } } as const;
    return text + this.frame('response.failed', { response });
  }

  private frame(type: string, fields: Record<string, unknown>): string {
    return sseEvent(type, { type, sequence_number: this.sequence++, ...fields });
  }

  private text(kind: OpenText['kind'], delta: string): string {
    let text = '';
    if (this.open?.kind !== kind) {
      text += this.closeText('completed');
      text += this.openText(kind);
    }
    const open = this.open!;
    open.text += delta;
    const at = { item_id: open.id, output_index: open.outputIndex, content_index: 0 };
    if (kind === 'message') return text + this.frame('response.output_text.delta', { ...at, delta, logprobs: [] });
    text += this.frame('response.reasoning_text.delta', { ...at, delta });
    if (this.summarise) text += this.frame('response.reasoning_summary_text.delta', { item_id: open.id, output_index: open.outputIndex, summary_index: 0, delta });
    return text;
  }

  private openText(kind: OpenText['kind']): string {
    // A second item of a kind (text after a tool call, say) gets an id of its own.
    const count = kind === 'message' ? this.messages++ : this.reasoningItems++;
    const base = kind === 'message' ? this.ids.message : this.ids.reasoning;
    const id = count === 0 ? base : `${base}_${count}`;
    const outputIndex = this.output.length;
    this.open = { kind, id, outputIndex, text: '' };
    const at = { item_id: id, output_index: outputIndex, content_index: 0 };
    if (kind === 'message') {
      const item = { type: 'message', id, role: 'assistant', status: 'in_progress', content: [] } as const;
      this.output.push(messageItem(id, '', 'in_progress'));
      return this.frame('response.output_item.added', { output_index: outputIndex, item }) + this.frame('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } });
    }
    this.output.push(reasoningItem(id, '', this.summarise, 'in_progress'));
    let text = this.frame('response.output_item.added', { output_index: outputIndex, item: { type: 'reasoning', id, summary: [], content: [], status: 'in_progress' } });
    text += this.frame('response.content_part.added', { ...at, part: { type: 'reasoning_text', text: '' } });
    if (this.summarise) text += this.frame('response.reasoning_summary_part.added', { item_id: id, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } });
    return text;
  }

  private closeText(status: ItemStatus): string {
    const open = this.open;
    if (!open) return '';
    this.open = null;
    const at = { item_id: open.id, output_index: open.outputIndex, content_index: 0 };
    if (open.kind === 'message') {
      const item = messageItem(open.id, open.text, status);
      this.output[open.outputIndex] = item;
      return (
        this.frame('response.output_text.done', { ...at, text: open.text, logprobs: [] }) +
        this.frame('response.content_part.done', { ...at, part: item.content[0] }) +
        this.frame('response.output_item.done', { output_index: open.outputIndex, item })
      );
    }
    const item = reasoningItem(open.id, open.text, this.summarise, status);
    this.output[open.outputIndex] = item;
    let text = this.frame('response.reasoning_text.done', { ...at, text: open.text });
    text += this.frame('response.content_part.done', { ...at, part: item.content[0] });
    if (this.summarise) {
      const summary = { item_id: open.id, output_index: open.outputIndex, summary_index: 0 };
      text += this.frame('response.reasoning_summary_text.done', { ...summary, text: open.text });
      text += this.frame('response.reasoning_summary_part.done', { ...summary, part: item.summary[0] });
    }
    return text + this.frame('response.output_item.done', { output_index: open.outputIndex, item });
  }

  /** A fragment of tool call `index`: the first opens its item (with its id and name), every one adds to its arguments. */
  private callFragment(fragment: ToolCallDelta): string {
    let text = '';
    let call = this.calls.get(fragment.index);
    if (!call) {
      text += this.closeText('completed');
      const item: ResponseFunctionCallDto = {
        type: 'function_call',
        id: this.ids.functionCall(fragment.index),
        call_id: fragment.id ?? `call_${this.ids.functionCall(fragment.index)}`,
        name: fragment.function?.name ?? '',
        arguments: '',
        status: 'in_progress',
      };
      call = { item, outputIndex: this.output.length };
      this.calls.set(fragment.index, call);
      this.output.push(item);
      text += this.frame('response.output_item.added', { output_index: call.outputIndex, item });
    } else if (fragment.function?.name) {
      // A name in pieces (no provider here sends one, but the chat format allows it).
      call.item.name += fragment.function.name;
    }
    const delta = fragment.function?.arguments;
    if (!delta) return text;
    call.item.arguments += delta;
    return text + this.frame('response.function_call_arguments.delta', { item_id: call.item.id, output_index: call.outputIndex, delta });
  }

  private closeAll(status: ItemStatus): string {
    let text = this.closeText(status);
    for (const { item, outputIndex } of [...this.calls.values()].sort((a, b) => a.outputIndex - b.outputIndex)) {
      item.status = status;
      text += this.frame('response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, arguments: item.arguments });
      text += this.frame('response.output_item.done', { output_index: outputIndex, item });
    }
    this.calls.clear();
    return text;
  }
}
