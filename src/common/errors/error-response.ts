import { HttpException, HttpStatus } from '@nestjs/common';
import { ClientGoneError, GatewayError, StreamInterruptedError } from './gateway-errors.js';

export interface ErrorResponse {
  status: number;
  body: { error: { code: string; message: string; details?: Record<string, unknown> } };
  headers: Record<string, string>;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  417: 'expectation_failed',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'service_unavailable',
};

// Fastify's own errors (body parsing), which Nest hands on as the cause of an HttpException.
const CODE_BY_FASTIFY_CODE: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

function error(status: number, code: string, message: string, details?: Record<string, unknown>): ErrorResponse {
  return { status, body: { error: { code, message, ...(details ? { details } : {}) } }, headers: {} };
}

/**
 * The one mapping from anything thrown to the documented error body. Unknown errors become a
 * 500 whose message says nothing of the cause; only client errors keep their message.
 */
export function toErrorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof GatewayError) {
    return { ...error(exception.status, exception.code, exception.message, exception.details), headers: exception.headers };
  }
  if (exception instanceof StreamInterruptedError) {
    const status = exception.code === 'upstream_timeout' ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY;
    return error(status, exception.code, exception.message);
  }
  if (exception instanceof ClientGoneError) return error(499, 'client_closed_request', 'The client went away.');
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Nest wraps Fastify's body-parsing errors; their code says what was wrong.
    const fastifyCode = (exception.cause as { code?: unknown } | undefined)?.code;
    const code =
      (typeof fastifyCode === 'string' && CODE_BY_FASTIFY_CODE[fastifyCode]) ||
      CODE_BY_STATUS[status] ||
      (status >= 500 ? 'internal_error' : 'bad_request');
    if (code === 'invalid_json') return error(status, code, 'The request body is not valid JSON.');
    if (status >= 500) return error(status, code, 'The gateway failed unexpectedly.');
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? [response.message].flat().join('; ')
        : exception.message;
    return error(status, code, String(message));
  }
  return error(HttpStatus.INTERNAL_SERVER_ERROR, 'internal_error', 'The gateway failed unexpectedly.');
}

// OpenAI's own types: a missing or wrong key is an `invalid_request_error` there (code `invalid_api_key`).
const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  417: 'invalid_request_error',
  429: 'rate_limit_error',
};

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

/** The same error in OpenAI's shape, for the /v1 routes (the `openai` SDK reads it). */
export function toOpenAiErrorBody({ status, body }: ErrorResponse): OpenAiErrorBody {
  const { code, message, details } = body.error;
  const fields = (details as { fields?: Array<{ field: string }> } | undefined)?.fields;
  return {
    error: {
      message,
      type: OPENAI_TYPES[status] ?? 'api_error',
      code,
      param: fields?.[0]?.field ?? null,
    },
  };
}
