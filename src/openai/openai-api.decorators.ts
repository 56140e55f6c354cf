import { applyDecorators } from '@nestjs/common';
import { ApiChatErrorResponses } from '../common/errors/api-error-responses.js';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiProduces, getSchemaPath } from '@nestjs/swagger';
import { ChatCompletionRequestDto, TextContentPartDto } from './dto/chat-completion-request.dto.js';
import { ChatCompletionChunkDto, ChatCompletionDto, OpenAiErrorResponseDto } from './dto/chat-completion-response.dto.js';

/** The response headers of every OpenAI-compatible chat route. */
export const GATEWAY_RESPONSE_HEADERS = {
  'x-gateway-model': { description: "The provider's model id that answered", schema: { type: 'string' } },
  'x-gateway-provider': { description: 'The provider that answered', schema: { type: 'string' } },
  'x-gateway-attempts': { description: 'How many deployments were tried, this one included', schema: { type: 'integer' } },
  'x-gateway-dropped-params': {
    description: 'Request parameters left out, comma-separated (nested ones as `messages[].name`): fields OpenAI does not define, parameters that change nothing here, and those the answering provider does not take. Absent when none were.',
    schema: { type: 'string' },
  },
  'x-gateway-cache': {
    description: '`hit`: answered from the response cache (no upstream call); `miss`: cacheable, stored once complete. Absent when the request is not cached (CACHE=off, or neither `x-gateway-cache: use` nor `temperature: 0`).',
    schema: { type: 'string', enum: ['hit', 'miss'] as string[] },
  },
} as const;

/**
 * Request bodies Swagger UI offers in "Try it out" (the first is the one it fills in). Whole
 * requests written out, so the OpenAI parameters the DTO accepts, or only tolerates at their
 * default, never appear with a placeholder value; test/e2e/openapi-examples.e2e-spec.ts sends
 * each one and expects a 200.
 */
const REQUEST_EXAMPLES = {
  auto: {
    summary: 'Any model (rotation strategy), one chat.completion',
    value: { model: 'auto', messages: [{ role: 'user', content: 'Say hello in three words.' }] },
  },
  stream: {
    summary: 'A named model, streamed, with the token usage in a last chunk',
    value: {
      model: 'gpt-oss-120b',
      messages: [
        { role: 'system', content: 'Answer in one sentence.' },
        { role: 'user', content: 'What does an LLM gateway do?' },
      ],
      temperature: 0.7,
      max_completion_tokens: 256,
      stream: true,
      stream_options: { include_usage: true },
    },
  },
};

/** The request body of POST /v1/chat/completions, with whole example requests. */
export function ApiChatCompletionRequestBody(): MethodDecorator {
  return ApiBody({ type: ChatCompletionRequestDto, required: true, examples: REQUEST_EXAMPLES });
}

/** The responses of POST /v1/chat/completions, in OpenAI's shapes. */
export function ApiChatCompletionResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ChatCompletionDto, ChatCompletionChunkDto, OpenAiErrorResponseDto, TextContentPartDto),
    ApiProduces('application/json', 'text/event-stream'),
    ApiOkResponse({
      description:
        '`stream: false` (default): a `chat.completion` (tool calls in `message.tool_calls`, reasoning in `message.reasoning`). `stream: true`: `data: {chat.completion.chunk}` lines (content, `reasoning` and `tool_calls` fragments as the provider sends them), then `data: [DONE]`; with `stream_options.include_usage` a last chunk carries `usage`. A failure after the first chunk sends `data: {"error":{…}}` and no `[DONE]`.',
      headers: GATEWAY_RESPONSE_HEADERS,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(ChatCompletionDto) } },
        'text/event-stream': {
          schema: { type: 'string', description: `Each data line: ${getSchemaPath(ChatCompletionChunkDto)}` },
          example: 'data: {"id":"chatcmpl-…","object":"chat.completion.chunk","created":1795000000,"model":"gpt-oss-120b","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}\n\ndata: [DONE]\n\n',
        },
      },
    }),
    ApiChatErrorResponses(OpenAiErrorResponseDto, { 400: 'Also a parameter that cannot be honoured here, named with the reason (`logprobs: true`, `logit_bias`, `n` > 1, image parts, `functions`, a `tool_choice` naming no tool, ...), or a capability no deployment of the model has (`tools`, `response_format` json_schema).' }),
  );
}
