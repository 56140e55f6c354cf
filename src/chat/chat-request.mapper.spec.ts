import { describe, expect, it } from 'vitest';
import type { ChatRequestDto } from './dto/chat-request.dto.js';
import { responseFormat, toChatCommand } from './chat-request.mapper.js';

describe('responseFormat', () => {
  it('answers JSON when stream is false, whatever the Accept header', () => {
    expect(responseFormat(false, 'text/event-stream')).toBe('json');
    expect(responseFormat(false, 'text/plain')).toBe('json');
    expect(responseFormat(false, undefined)).toBe('json');
  });

  it('streams SSE by default: no Accept header, */*, or an unrelated type', () => {
    expect(responseFormat(undefined, undefined)).toBe('sse');
    expect(responseFormat(true, undefined)).toBe('sse');
    expect(responseFormat(undefined, '*/*')).toBe('sse');
    expect(responseFormat(undefined, 'text/html')).toBe('sse');
  });

  it('streams SSE when Accept names text/event-stream, even next to text/plain', () => {
    expect(responseFormat(undefined, 'text/event-stream')).toBe('sse');
    expect(responseFormat(true, 'text/plain, text/event-stream')).toBe('sse');
  });

  it('streams plain text for Accept: text/plain', () => {
    expect(responseFormat(undefined, 'text/plain')).toBe('text');
    expect(responseFormat(true, 'text/plain; charset=utf-8')).toBe('text');
  });

  it('answers JSON when Accept asks only for application/json', () => {
    expect(responseFormat(undefined, 'application/json')).toBe('json');
  });

  it('streams SSE when application/json comes with */* (what fetch and curl send by default)', () => {
    expect(responseFormat(undefined, 'application/json, */*')).toBe('sse');
    expect(responseFormat(undefined, 'application/json, text/plain, */*')).toBe('text');
  });

  it('reads the Accept header case-insensitively', () => {
    expect(responseFormat(undefined, 'Text/Plain')).toBe('text');
    expect(responseFormat(undefined, 'APPLICATION/JSON')).toBe('json');
  });
});

describe('toChatCommand', () => {
  it('maps the snake_case request fields to the command', () => {
    const body: ChatRequestDto = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      model: 'groq/openai/gpt-oss-120b',
      temperature: 0.2,
      max_tokens: 50,
      top_p: 0.9,
      stop: ['END'],
      stream: false,
    };
    expect(toChatCommand(body)).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      model: 'groq/openai/gpt-oss-120b',
      temperature: 0.2,
      maxTokens: 50,
      topP: 0.9,
      stop: ['END'],
    });
  });

  it('keeps only role and content of each message', () => {
    const message = { role: 'user', content: 'Hi', name: 'alice' } as ChatRequestDto['messages'][number];
    const command = toChatCommand({ messages: [message] });
    expect(command.messages).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(command.messages[0]).not.toBe(message);
  });

  it('leaves optional settings undefined so the model defaults apply', () => {
    const command = toChatCommand({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(command.model).toBeUndefined();
    expect(command.temperature).toBeUndefined();
    expect(command.maxTokens).toBeUndefined();
    expect(command.topP).toBeUndefined();
    expect(command.stop).toBeUndefined();
  });
});
