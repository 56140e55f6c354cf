import { RequestInvalidError } from '../common/errors/gateway-errors.js';
import { messageCharacters, type ChatCommand } from './chat-command.js';

/** MAX_MESSAGES and MAX_INPUT_CHARS. */
export interface RequestSizeLimits {
  maxMessages: number;
  maxInputChars: number;
}

/** Refuses (400, naming each limit exceeded) a request with too many messages or too much text. */
export function checkRequestSize(command: ChatCommand, limits: RequestSizeLimits): void {
  const fields = sizeProblems(command, limits);
  if (fields.length > 0) throw new RequestInvalidError('The request is too large.', { fields });
}

export function exceedsRequestSize(command: ChatCommand, limits: RequestSizeLimits): boolean {
  return sizeProblems(command, limits).length > 0;
}

function sizeProblems(command: ChatCommand, { maxMessages, maxInputChars }: RequestSizeLimits): Array<{ field: string; errors: string[] }> {
  const fields: Array<{ field: string; errors: string[] }> = [];
  if (command.messages.length > maxMessages) {
    fields.push({ field: 'messages', errors: [`must contain at most ${maxMessages} messages`] });
  }
  const characters = command.messages.reduce((sum, message) => sum + messageCharacters(message), 0);
  if (characters > maxInputChars) {
    fields.push({ field: 'messages', errors: [`total content must be at most ${maxInputChars} characters`] });
  }
  return fields;
}
