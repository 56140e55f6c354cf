import { applyDecorators, type Type } from '@nestjs/common';
import { ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** Every error a chat request can end in, for every chat route (each in its own error shape). */
const CHAT_ERRORS: ReadonlyArray<[number, string]> = [
  [400, 'Invalid body or malformed JSON (`validation_failed`, `invalid_json`); more messages than MAX_MESSAGES, an array of more than 4,096 items or an object of more than 1,024 properties (`validation_failed`).'],
  [404, 'Unknown model (`model_not_found`).'],
  [408, 'The request (headers and body) did not arrive whole within REQUEST_BODY_TIMEOUT_MS (`request_timeout`); the connection is closed.'],
  [413, 'Body over the size limit or with more JSON values than any real request (`payload_too_large`), or a request larger than any candidate\'s token window (`request_too_large`).'],
  [429, 'Every candidate model is rate limited (`rate_limited`); see the Retry-After header.'],
  [502, 'Every candidate failed upstream (`upstream_error`).'],
  [503, 'No model can serve, e.g. no provider key set (`no_models_available`); or REDIS_FAILURE_MODE=closed and Redis is unreachable (`limits_unavailable`).'],
  [504, 'No candidate sent a first token in time (`upstream_timeout`).'],
];

/** The error responses of a chat route, with `schema` as the body; `notes` adds to a status's description. */
export function ApiChatErrorResponses(schema: Type, notes: Partial<Record<number, string>> = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...CHAT_ERRORS.map(([status, description]) =>
      ApiResponse({
        status,
        description: notes[status] ? `${description} ${notes[status]}` : description,
        content: { 'application/json': { schema: { $ref: getSchemaPath(schema) } } },
        ...(status === 429
          ? { headers: { 'Retry-After': { description: 'Seconds until a candidate frees up', schema: { type: 'integer' } } } }
          : {}),
      }),
    ),
  );
}
