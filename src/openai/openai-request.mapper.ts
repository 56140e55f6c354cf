import { instanceToPlain } from 'class-transformer';
import type { ChatCommand } from '../chat/chat-command.js';
import type { ChatCompletionRequestDto } from './dto/chat-completion-request.dto.js';

/** `auto` asks for the rotation strategy over every model. */
export const AUTO_MODEL = 'auto';

export function toChatCommand(body: ChatCompletionRequestDto): ChatCommand {
  return {
    messages: body.messages.map(({ role, content }) => ({
      role,
      content: typeof content === 'string' ? content : content.map((part) => part.text).join(''),
    })),
    model: body.model === AUTO_MODEL ? undefined : body.model,
    temperature: body.temperature,
    topP: body.top_p,
    maxTokens: body.max_completion_tokens ?? body.max_tokens,
    stop: body.stop,
    seed: body.seed,
    user: body.user,
    responseFormat: body.response_format ? instanceToPlain(body.response_format) : undefined,
  };
}
