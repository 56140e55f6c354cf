import { describe, expect, it } from 'vitest';
import { RequestInvalidError } from '../common/errors/gateway-errors.js';
import type { ChatCommand } from './chat-command.js';
import { checkRequestSize } from './request-size.js';

const limits = { maxMessages: 2, maxInputChars: 10 };
const command = (...contents: string[]): ChatCommand => ({ messages: contents.map((content) => ({ role: 'user', content })) });

function refusal(request: ChatCommand): RequestInvalidError {
  try {
    checkRequestSize(request, limits);
  } catch (error) {
    if (error instanceof RequestInvalidError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('checkRequestSize', () => {
  it('lets through a request at both limits', () => {
    expect(() => checkRequestSize(command('hello', 'world'), limits)).not.toThrow();
  });

  it('refuses more messages than MAX_MESSAGES', () => {
    const error = refusal(command('a', 'b', 'c'));
    expect(error.message).toBe('The request is too large.');
    expect(error.details.fields).toEqual([{ field: 'messages', errors: ['must contain at most 2 messages'] }]);
  });

  it('refuses more characters in all messages together than MAX_INPUT_CHARS', () => {
    expect(refusal(command('hello', 'world!')).details.fields).toEqual([
      { field: 'messages', errors: ['total content must be at most 10 characters'] },
    ]);
  });

  it('names both limits when both are exceeded', () => {
    expect(refusal(command('hello', 'world', '!')).details.fields).toHaveLength(2);
  });
});
