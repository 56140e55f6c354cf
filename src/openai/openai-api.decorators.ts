import { applyDecorators } from '@nestjs/common';
import { ApiChatErrorResponses } from '../common/errors/api-error-responses.js';
import { ApiExtraModels, ApiOkResponse, ApiProduces, getSchemaPath } from '@nestjs/swagger';
import { TextContentPartDto } from './dto/chat-completion-request.dto.js';
import { ChatCompletionChunkDto, ChatCompletionDto, OpenAiErrorResponseDto } from './dto/chat-completion-response.dto.js';

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
    ApiChatErrorResponses(OpenAiErrorResponseDto, { 400: 'Also a parameter the providers reject (`logprobs`, `logit_bias`, `n` > 1, `messages[].name`, ...).' }),
  );
}
