import { StreamInterruptedError } from '../common/errors/gateway-errors.js';
import type { ToolCallDelta } from '../providers/provider-adapter.js';
import { assembleToolCalls, type ChatCompletion, type ChatSession } from './chat-command.js';

/** Reads an answer to its end and puts it together (`stream: false`); a cut answer throws. */
export async function collectCompletion(session: ChatSession): Promise<ChatCompletion> {
  let content = '';
  let reasoning = '';
  const toolCalls: ToolCallDelta[] = [];
  for await (const batch of session.events) {
    for (const event of batch) {
      if (event.type === 'delta') content += event.content;
      else if (event.type === 'reasoning') reasoning += event.text;
      else if (event.type === 'tool_calls') toolCalls.push(...event.calls);
      else {
        const calls = assembleToolCalls(toolCalls);
        return {
          meta: session.meta,
          deployment: session.deployment,
          // OpenAI's shape: no text beside tool calls is `null`, not "".
          content: calls.length > 0 && content === '' ? null : content,
          ...(reasoning ? { reasoning } : {}),
          ...(calls.length > 0 ? { toolCalls: calls } : {}),
          finishReason: event.finishReason,
          usage: event.usage,
        };
      }
    }
  }
  throw new StreamInterruptedError('upstream_error', 'The answer ended without completing.');
}
