import { applyDecorators } from '@nestjs/common';
import { ApiChatErrorResponses } from '../common/errors/api-error-responses.js';
import { ApiExtraModels, ApiOkResponse, ApiProduces, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/errors/error-response.dto.js';
import {
  ChatCompletionResponseDto,
  ChatDeltaEventDto,
  ChatDoneEventDto,
  ChatErrorEventDto,
  ChatMetaEventDto,
} from './dto/chat-response.dto.js';

const SSE_EXAMPLE = [
  'event: meta',
  'data: {"requestId":"5b8e…","model":"gpt-oss-120b","provider":"cerebras","attempts":[{"model":"openai/gpt-oss-120b","provider":"groq","error":"rate_limited"}]}',
  '',
  'event: delta',
  'data: {"content":"Hello"}',
  '',
  ': ping',
  '',
  'event: done',
  'data: {"finishReason":"stop","usage":{"promptTokens":12,"completionTokens":30,"totalTokens":42}}',
  '',
].join('\n');

/** The three response media types of POST /chat and its error responses. */
export function ApiChatResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ChatMetaEventDto, ChatDeltaEventDto, ChatDoneEventDto, ChatErrorEventDto, ErrorResponseDto),
    ApiProduces('text/event-stream', 'text/plain', 'application/json'),
    ApiOkResponse({
      description:
        'SSE by default (or `Accept: text/event-stream`): events `meta`, `delta`…, then `done`, or `error` if the answer breaks off after it began (no `done` follows), and a `: ping` comment while quiet. ' +
        '`Accept: text/plain`: the content only; a failure mid-answer resets the connection. ' +
        '`stream: false` (or `Accept: application/json`): one JSON object.',
      content: {
        'text/event-stream': {
          schema: {
            type: 'string',
            description: `Events: meta = ${getSchemaPath(ChatMetaEventDto)}, delta = ${getSchemaPath(ChatDeltaEventDto)}, done = ${getSchemaPath(ChatDoneEventDto)}, error = ${getSchemaPath(ChatErrorEventDto)}`,
          },
          example: SSE_EXAMPLE,
        },
        'text/plain': { schema: { type: 'string' }, example: 'Hello from the model.' },
        'application/json': { schema: { $ref: getSchemaPath(ChatCompletionResponseDto) } },
      },
    }),
    ApiChatErrorResponses(ErrorResponseDto),
  );
}
