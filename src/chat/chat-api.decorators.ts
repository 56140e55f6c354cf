import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProduces, ApiResponse, getSchemaPath } from '@nestjs/swagger';
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

const ERRORS: Array<[number, string]> = [
  [400, 'Invalid body or malformed JSON (`validation_failed`, `invalid_json`); more messages than MAX_MESSAGES, an array of more than 4,096 items or an object of more than 1,024 properties (`validation_failed`).'],
  [404, 'Unknown model (`model_not_found`).'],
  [408, 'The request (headers and body) did not arrive whole within REQUEST_BODY_TIMEOUT_MS (`request_timeout`); the connection is closed.'],
  [413, 'Body over the size limit or with more JSON values than any real request (`payload_too_large`), or a request larger than any candidate\'s token window (`request_too_large`).'],
  [429, 'Every candidate model is rate limited (`rate_limited`); see the Retry-After header.'],
  [502, 'Every candidate failed upstream (`upstream_error`).'],
  [503, 'No model can serve, e.g. no provider key set (`no_models_available`); or REDIS_FAILURE_MODE=closed and Redis is unreachable (`limits_unavailable`).'],
  [504, 'No candidate sent a first token in time (`upstream_timeout`).'],
];

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
    ...ERRORS.map(([status, description]) =>
      ApiResponse({
        status,
        description,
        content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } },
        ...(status === 429
          ? { headers: { 'Retry-After': { description: 'Seconds until a candidate frees up', schema: { type: 'integer' } } } }
          : {}),
      }),
    ),
  );
}
