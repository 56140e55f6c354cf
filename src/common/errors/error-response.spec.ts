import { BadRequestException, HttpException, InternalServerErrorException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import {
  AccessKeyLimitedError,
  ClientGoneError,
  InvalidApiKeyError,
  MissingApiKeyError,
  ModelNotAllowedError,
  ModelNotFoundError,
  NoModelAvailableError,
  RateLimitedError,
  RequestInvalidError,
  StreamInterruptedError,
  UpstreamFailedError,
  UpstreamTimeoutError,
} from './gateway-errors.js';
import { toErrorResponse, toOpenAiErrorBody } from './error-response.js';

const attempts = [{ model: 'gpt-oss-120b', provider: 'cerebras', error: 'rate_limited' }];

describe('toErrorResponse', () => {
  describe('gateway errors', () => {
    it('maps RequestInvalidError to 400 validation_failed with the field errors', () => {
      const fields = [{ field: 'messages', errors: ['messages must contain at least 1 elements'] }];
      expect(toErrorResponse(new RequestInvalidError('The request is invalid.', { fields }))).toEqual({
        status: 400,
        body: { error: { code: 'validation_failed', message: 'The request is invalid.', details: { fields } } },
        headers: {},
      });
    });

    it('maps ModelNotFoundError to 404 model_not_found naming the model', () => {
      const response = toErrorResponse(new ModelNotFoundError('gpt-9'));
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('model_not_found');
      expect(response.body.error.message).toContain('"gpt-9"');
      expect(response.body.error).not.toHaveProperty('details');
    });

    it('maps NoModelAvailableError to 503 no_models_available', () => {
      const response = toErrorResponse(new NoModelAvailableError('Set GROQ_API_KEY.'));
      expect(response).toEqual({
        status: 503,
        body: { error: { code: 'no_models_available', message: 'Set GROQ_API_KEY.' } },
        headers: {},
      });
    });

    it('maps RateLimitedError to 429 rate_limited with a retry-after header in seconds', () => {
      const response = toErrorResponse(new RateLimitedError(7, { attempts }));
      expect(response.status).toBe(429);
      expect(response.headers).toEqual({ 'retry-after': '7' });
      expect(response.body.error.code).toBe('rate_limited');
      expect(response.body.error.message).toContain('7 s');
      expect(response.body.error.details).toEqual({ attempts });
    });

    it('maps UpstreamFailedError to 502 upstream_error with the attempts', () => {
      const response = toErrorResponse(new UpstreamFailedError('Every candidate failed.', { attempts }));
      expect(response.status).toBe(502);
      expect(response.body.error).toEqual({ code: 'upstream_error', message: 'Every candidate failed.', details: { attempts } });
      expect(response.headers).toEqual({});
    });

    it('maps UpstreamTimeoutError to 504 upstream_timeout', () => {
      const response = toErrorResponse(new UpstreamTimeoutError('No answer in time.', { attempts }));
      expect(response.status).toBe(504);
      expect(response.body.error.code).toBe('upstream_timeout');
    });
  });

  describe('access key errors', () => {
    it('maps a missing key to 401 unauthorized with www-authenticate: Bearer, saying how to send one', () => {
      const response = toErrorResponse(new MissingApiKeyError());
      expect(response.status).toBe(401);
      expect(response.headers).toEqual({ 'www-authenticate': 'Bearer' });
      expect(response.body.error.code).toBe('unauthorized');
      expect(response.body.error.message).toContain('Authorization: Bearer');
      expect(response.body.error.message).toContain('x-api-key');
    });

    it('maps a wrong key to 401 invalid_api_key with www-authenticate: Bearer', () => {
      const response = toErrorResponse(new InvalidApiKeyError());
      expect(response).toEqual({
        status: 401,
        body: { error: { code: 'invalid_api_key', message: 'The access key is not valid for this gateway.' } },
        headers: { 'www-authenticate': 'Bearer' },
      });
    });

    it("maps a key's own limit to 429 rate_limited with retry-after, naming the limit", () => {
      const response = toErrorResponse(new AccessKeyLimitedError('requestsPerMinute', 5, 12));
      expect(response.status).toBe(429);
      expect(response.headers).toEqual({ 'retry-after': '12' });
      expect(response.body.error).toEqual({
        code: 'rate_limited',
        message: "This access key's requestsPerMinute limit (5) is used up; retry in 12 s.",
        details: { limit: 'requestsPerMinute' },
      });
    });
  });

  describe('stream and client errors', () => {
    it('maps a StreamInterruptedError to 504 for upstream_timeout and 502 otherwise, keeping its code', () => {
      expect(toErrorResponse(new StreamInterruptedError('upstream_timeout', 'stalled')).status).toBe(504);
      const broken = toErrorResponse(new StreamInterruptedError('upstream_error', 'broke off'));
      expect(broken.status).toBe(502);
      expect(broken.body.error).toEqual({ code: 'upstream_error', message: 'broke off' });
    });

    it('maps ClientGoneError to 499 client_closed_request', () => {
      const response = toErrorResponse(new ClientGoneError());
      expect(response.status).toBe(499);
      expect(response.body.error.code).toBe('client_closed_request');
    });
  });

  describe('Nest HTTP exceptions', () => {
    it('keeps the messages of a 400, joined', () => {
      const response = toErrorResponse(new BadRequestException(['model must be a string', 'stop is too long']));
      expect(response.status).toBe(400);
      expect(response.body.error).toEqual({ code: 'bad_request', message: 'model must be a string; stop is too long' });
    });

    it('maps 404 to not_found', () => {
      const response = toErrorResponse(new NotFoundException('Cannot GET /nope'));
      expect(response.status).toBe(404);
      expect(response.body.error).toEqual({ code: 'not_found', message: 'Cannot GET /nope' });
    });

    it("maps Fastify's invalid JSON body error to invalid_json with a fixed message", () => {
      const cause = Object.assign(new Error('Unexpected token } in JSON at position 9'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
      const response = toErrorResponse(new HttpException('Unexpected token } in JSON at position 9', 400, { cause }));
      expect(response.status).toBe(400);
      expect(response.body.error).toEqual({ code: 'invalid_json', message: 'The request body is not valid JSON.' });
    });

    it("maps Fastify's body-too-large error to payload_too_large", () => {
      const cause = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
      const response = toErrorResponse(new PayloadTooLargeException('Request body is too large', { cause }));
      expect(response.status).toBe(413);
      expect(response.body.error.code).toBe('payload_too_large');
    });

    it('does not echo the message of a 5xx HttpException (only client errors keep theirs)', () => {
      const response = toErrorResponse(new InternalServerErrorException('pool exhausted at db-internal-7:5432'));
      expect(response.status).toBe(500);
      expect(response.body.error.code).toBe('internal_error');
      expect(response.body.error.message).not.toContain('db-internal-7');
    });
  });

  describe('unknown errors', () => {
    it('maps an unknown Error to 500 internal_error without its message', () => {
      const response = toErrorResponse(new Error('ECONNREFUSED 10.0.0.12:5432 password=hunter2'));
      expect(response.status).toBe(500);
      expect(response.body.error.code).toBe('internal_error');
      expect(response.body.error.message).not.toContain('hunter2');
      expect(response.body.error.message).not.toContain('ECONNREFUSED');
      expect(response.body.error).not.toHaveProperty('details');
      expect(response.headers).toEqual({});
    });

    it('maps a thrown non-Error to 500 internal_error', () => {
      const response = toErrorResponse('secret string');
      expect(response.status).toBe(500);
      expect(response.body.error.message).not.toContain('secret string');
    });
  });
});

describe('toOpenAiErrorBody', () => {
  it("gives a wrong key OpenAI's type invalid_request_error and code invalid_api_key", () => {
    expect(toOpenAiErrorBody(toErrorResponse(new InvalidApiKeyError()))).toEqual({
      error: { message: 'The access key is not valid for this gateway.', type: 'invalid_request_error', code: 'invalid_api_key', param: null },
    });
  });

  it('gives a missing key type invalid_request_error too, keeping the gateway code', () => {
    expect(toOpenAiErrorBody(toErrorResponse(new MissingApiKeyError())).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'unauthorized',
    });
  });

  it('gives a model the key may not use type permission_error', () => {
    expect(toOpenAiErrorBody(toErrorResponse(new ModelNotAllowedError('gpt-oss-120b', ['qwen-3.8-27b']))).error).toMatchObject({
      type: 'permission_error',
      code: 'model_not_allowed',
    });
  });

  it("gives a key's own limit type rate_limit_error", () => {
    expect(toOpenAiErrorBody(toErrorResponse(new AccessKeyLimitedError('tokensPerDay', 100, 60))).error).toMatchObject({
      type: 'rate_limit_error',
      code: 'rate_limited',
    });
  });
});
