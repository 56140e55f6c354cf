import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiProduces, getSchemaPath } from '@nestjs/swagger';
import { ApiChatErrorResponses } from '../common/errors/api-error-responses.js';
import { OpenAiErrorResponseDto } from '../openai/dto/chat-completion-response.dto.js';
import { GATEWAY_RESPONSE_HEADERS } from '../openai/openai-api.decorators.js';
import { ResponseCreateRequestDto } from './dto/response-request.dto.js';
import { ResponseDto, ResponseFunctionCallDto, ResponseOutputMessageDto, ResponseReasoningItemDto, ResponseStreamEventDto } from './dto/response.dto.js';

/**
 * Request bodies Swagger UI offers in "Try it out" (the first is the one it fills in), written out
 * whole; test/e2e/openapi-examples.e2e-spec.ts sends each one and expects a 200.
 */
const REQUEST_EXAMPLES = {
  text: {
    summary: 'A string input, one response object',
    value: { model: 'gpt-oss-120b', input: 'Say hello in three words.' },
  },
  stream: {
    summary: 'Instructions and message items, streamed as Responses events',
    value: {
      model: 'auto',
      instructions: 'Answer in one sentence.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What does an LLM gateway do?' }] }],
      max_output_tokens: 256,
      stream: true,
    },
  },
  tools: {
    summary: 'A function tool the model may call',
    value: {
      model: 'gpt-oss-120b',
      input: 'What is the weather in Oslo?',
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'The weather in a city now.',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
    },
  },
};

/** The request body of POST /v1/responses, with whole example requests. */
export function ApiResponseRequestBody(): MethodDecorator {
  return ApiBody({ type: ResponseCreateRequestDto, required: true, examples: REQUEST_EXAMPLES });
}

/** The responses of POST /v1/responses, in OpenAI's shapes. */
export function ApiResponsesResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ResponseDto, ResponseStreamEventDto, ResponseOutputMessageDto, ResponseFunctionCallDto, ResponseReasoningItemDto, OpenAiErrorResponseDto),
    ApiProduces('application/json', 'text/event-stream'),
    ApiOkResponse({
      description:
        '`stream: false` (default): a `response` (`status` `completed`, or `incomplete` with `incomplete_details` when the answer stopped on `max_output_tokens`; `output` holds a `reasoning` item when the model sent reasoning, a `message` with `output_text`, and `function_call` items). `stream: true`: `event:` / `data:` frames, every data with `type` and `sequence_number`: `response.created`, `response.in_progress`, then per item `response.output_item.added`, its parts and deltas (`response.output_text.delta`, `response.reasoning_text.delta`, `response.function_call_arguments.delta`) and their `….done`, `response.output_item.done`; last `response.completed` (or `response.incomplete`). A failure after the first event ends the stream with `response.failed` (its `response.error` says why), never `response.completed`.',
      headers: GATEWAY_RESPONSE_HEADERS,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(ResponseDto) } },
        'text/event-stream': {
          schema: { type: 'string', description: `Each data line: ${getSchemaPath(ResponseStreamEventDto)}` },
          example:
            'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_…","output_index":0,"content_index":0,"delta":"Hello","logprobs":[]}\n\n',
        },
      },
    }),
    ApiChatErrorResponses(OpenAiErrorResponseDto, {
      400: 'Also a parameter or content that cannot be honoured here, named with the reason: `previous_response_id`, `conversation`, `prompt`, `background: true` (nothing is stored), tools other than function tools, image, file and audio content, items of built-in tools, an `item_reference` to anything but an item this gateway sent the same key in the last hour (or a reasoning item), or a capability no deployment of the model has (`tools`, `text.format` json_schema).',
    }),
  );
}
