import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProduces, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { TextContentPartDto } from './dto/chat-completion-request.dto.js';
import { ChatCompletionChunkDto, ChatCompletionDto, OpenAiErrorResponseDto } from './dto/chat-completion-response.dto.js';

const ERRORS: Array<[number, string]> = [
  [400, 'Invalid body, malformed JSON, or a parameter the providers reject (`logprobs`, `logit_bias`, `n` > 1, `messages[].name`, ...).'],
  [404, 'Unknown model (`model_not_found`).'],
  [408, 'The request (headers and body) did not arrive whole within REQUEST_BODY_TIMEOUT_MS (`request_timeout`); the connection is closed.'],
  [413, 'Body over the size limit or with more JSON values than any real request, or a request larger than any candidate\'s token window.'],
  [429, 'Every candidate model is rate limited (`rate_limited`); see the Retry-After header.'],
  [502, 'Every candidate failed upstream (`upstream_error`).'],
  [503, 'No model can serve, e.g. no provider key set (`no_models_available`); or REDIS_FAILURE_MODE=closed and Redis is unreachable (`limits_unavailable`).'],
  [504, 'No candidate sent a first token in time (`upstream_timeout`).'],
];

const GATEWAY_HEADERS = {
  'x-gateway-model': { description: "The provider's model id that answered", schema: { type: 'string' } },
  'x-gateway-provider': { description: 'The provider that answered', schema: { type: 'string' } },
  'x-gateway-attempts': { description: 'How many deployments were tried, this one included', schema: { type: 'integer' } },
} as const;

/** The responses of POST /v1/chat/completions, in OpenAI's shapes. */
export function ApiChatCompletionResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ChatCompletionDto, ChatCompletionChunkDto, OpenAiErrorResponseDto, TextContentPartDto),
    ApiProduces('application/json', 'text/event-stream'),
    ApiOkResponse({
      description:
        '`stream: false` (default): a `chat.completion`. `stream: true`: `data: {chat.completion.chunk}` lines, then `data: [DONE]`; with `stream_options.include_usage` a last chunk carries `usage`. A failure after the first chunk sends `data: {"error":{…}}` and no `[DONE]`.',
      headers: GATEWAY_HEADERS,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(ChatCompletionDto) } },
        'text/event-stream': {
          schema: { type: 'string', description: `Each data line: ${getSchemaPath(ChatCompletionChunkDto)}` },
          example: 'data: {"id":"chatcmpl-…","object":"chat.completion.chunk","created":1795000000,"model":"gpt-oss-120b","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}\n\ndata: [DONE]\n\n',
        },
      },
    }),
    ...ERRORS.map(([status, description]) =>
      ApiResponse({
        status,
        description,
        content: { 'application/json': { schema: { $ref: getSchemaPath(OpenAiErrorResponseDto) } } },
        ...(status === 429
          ? { headers: { 'Retry-After': { description: 'Seconds until a candidate frees up', schema: { type: 'integer' } } } }
          : {}),
      }),
    ),
  );
}
