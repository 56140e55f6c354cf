import { applyDecorators } from '@nestjs/common';
import { ApiChatErrorResponses } from '../common/errors/api-error-responses.js';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiProduces, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/errors/error-response.dto.js';
import { ChatRequestDto } from './dto/chat-request.dto.js';
import {
  ChatCompletionResponseDto,
  ChatDeltaEventDto,
  ChatDoneEventDto,
  ChatErrorEventDto,
  ChatMetaEventDto,
  ChatReasoningEventDto,
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

/**
 * Request bodies Swagger UI offers in "Try it out" (the first is the one it fills in). Whole
 * requests written out, so a field added to the DTO later never puts a placeholder value in them;
 * test/e2e/openapi-examples.e2e-spec.ts sends each one and expects a 200.
 */
const REQUEST_EXAMPLES = {
  sse: {
    summary: 'Streamed as Server-Sent Events, the model chosen by rotation',
    value: { messages: [{ role: 'user', content: 'Say hello in three words.' }] },
  },
  json: {
    summary: 'One JSON answer from a named model (stream: false)',
    value: {
      model: 'gpt-oss-120b',
      messages: [
        { role: 'system', content: 'Answer in one sentence.' },
        { role: 'user', content: 'What does an LLM gateway do?' },
      ],
      temperature: 0.7,
      max_tokens: 256,
      stream: false,
    },
  },
};

/** The events of the SSE answer, as ChatResponseWriter writes them. */
const SSE_EVENTS = [
  'Server-Sent Events, in this order:',
  `- \`event: meta\`, first: \`data\` is ${getSchemaPath(ChatMetaEventDto)} (the request id, the model and provider answering, the attempts that failed before it);`,
  `- \`event: reasoning\`, only with \`include_reasoning: true\`, one per piece of the model's reasoning, before the deltas: ${getSchemaPath(ChatReasoningEventDto)};`,
  `- \`event: delta\`, one per piece of content: ${getSchemaPath(ChatDeltaEventDto)};`,
  `- \`event: done\`, the last event of a complete answer: ${getSchemaPath(ChatDoneEventDto)} (finish reason, token usage);`,
  `- \`event: error\`, in place of \`done\` when the answer breaks off after it began: ${getSchemaPath(ChatErrorEventDto)} (\`code\`, \`message\`);`,
  '- `: ping`, a comment line sent every SSE_KEEPALIVE_MS while the model is quiet; it carries nothing.',
].join('\n');

/** The request body of POST /chat, with whole example requests. */
export function ApiChatRequestBody(): MethodDecorator {
  return ApiBody({ type: ChatRequestDto, required: true, examples: REQUEST_EXAMPLES });
}

/** The three response media types of POST /chat and its error responses. */
export function ApiChatResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ChatMetaEventDto, ChatReasoningEventDto, ChatDeltaEventDto, ChatDoneEventDto, ChatErrorEventDto, ErrorResponseDto),
    ApiProduces('text/event-stream', 'text/plain', 'application/json'),
    ApiOkResponse({
      description:
        'SSE by default (or `Accept: text/event-stream`): events `meta`, `delta`…, then `done`, or `error` if the answer breaks off after it began (no `done` follows), and a `: ping` comment while quiet. ' +
        '`Accept: text/plain`: the content only; a failure mid-answer resets the connection. ' +
        '`stream: false` (or `Accept: application/json`): one JSON object.',
      content: {
        'text/event-stream': {
          schema: { type: 'string', description: SSE_EVENTS },
          example: SSE_EXAMPLE,
        },
        'text/plain': {
          schema: { type: 'string', description: 'The content only, as it arrives; a failure mid-answer resets the connection.' },
          example: 'Hello from the model.',
        },
        'application/json': { schema: { $ref: getSchemaPath(ChatCompletionResponseDto) } },
      },
    }),
    ApiChatErrorResponses(ErrorResponseDto),
  );
}
