/**
 * Domain errors thrown by services. The one exception filter turns each into its HTTP status
 * and the documented error body `{ "error": { "code", "message" } }`.
 */
export abstract class GatewayError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Extra, safe fields for the error body (never upstream text). */
  readonly details?: Record<string, unknown>;
  readonly headers: Record<string, string> = {};
}

export interface AttemptRecord {
  model: string;
  provider: string;
  error: string;
}

export class RequestInvalidError extends GatewayError {
  readonly status = 400;
  readonly code = 'validation_failed';

  constructor(
    message: string,
    override readonly details: { fields: Array<{ field: string; errors: string[] }> },
  ) {
    super(message);
  }
}

export class RequestTooLargeError extends GatewayError {
  readonly status = 413;
  readonly code = 'request_too_large';

  constructor(reasons: string[]) {
    super(`No candidate model can ever take this request: ${reasons.join('; ')}. Lower max_tokens or shorten the messages.`);
  }
}

export class ModelNotFoundError extends GatewayError {
  readonly status = 404;
  readonly code = 'model_not_found';

  constructor(model: string) {
    super(`No model "${model}" in the catalog. GET /models lists the ids (use provider/id to pin one provider).`);
  }
}

/** The access key may not use the model asked for (or, for `auto`, any model there is). */
export class ModelNotAllowedError extends GatewayError {
  readonly status = 403;
  readonly code = 'model_not_allowed';

  constructor(model: string | undefined, allowed: readonly string[]) {
    super(
      model === undefined
        ? `This access key may use none of the models in the catalog (it allows: ${allowed.join(', ')}).`
        : `This access key may not use "${model}"; it allows: ${allowed.join(', ')}.`,
    );
  }
}

/** The gateway is shutting down (SIGTERM): another replica should take the request. */
export class ShuttingDownError extends GatewayError {
  readonly status = 503;
  readonly code = 'shutting_down';
  override readonly headers = { 'retry-after': '1', connection: 'close' };

  constructor() {
    super('The gateway is shutting down; retry the request (another replica will take it).');
  }
}

export class NoModelAvailableError extends GatewayError {
  readonly status = 503;
  readonly code = 'no_models_available';
}

/** REDIS_FAILURE_MODE=closed and Redis cannot be reached: no request is admitted without the shared limits. */
export class SharedLimitsUnavailableError extends GatewayError {
  readonly status = 503;
  readonly code = 'limits_unavailable';

  constructor() {
    super('The shared rate limits cannot be checked right now (Redis is unreachable); retry shortly.');
  }
}

export class RateLimitedError extends GatewayError {
  readonly status = 429;
  readonly code = 'rate_limited';

  constructor(
    readonly retryAfterSeconds: number,
    override readonly details: { attempts: AttemptRecord[] },
  ) {
    super(`Every candidate model is rate limited; retry in ${retryAfterSeconds} s.`);
    this.headers['retry-after'] = String(retryAfterSeconds);
  }
}

/** Every candidate was tried upstream and none answered; the body lists the attempts. */
abstract class CandidatesFailedError extends GatewayError {
  constructor(
    message: string,
    override readonly details: { attempts: AttemptRecord[] },
  ) {
    super(message);
  }
}

export class UpstreamFailedError extends CandidatesFailedError {
  readonly status = 502;
  readonly code = 'upstream_error';
}

export class UpstreamTimeoutError extends CandidatesFailedError {
  readonly status = 504;
  readonly code = 'upstream_timeout';
}

/** The client went away before the answer began; nothing is sent back. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/** GATEWAY_API_KEYS is set and the request carries no access key. */
export class MissingApiKeyError extends GatewayError {
  readonly status = 401;
  readonly code = 'unauthorized';

  constructor() {
    super('This gateway needs an access key: send it as "Authorization: Bearer <key>" or "x-api-key: <key>".');
    this.headers['www-authenticate'] = 'Bearer';
  }
}

/** The access key presented matches none of GATEWAY_API_KEYS. The message never repeats it. */
export class InvalidApiKeyError extends GatewayError {
  readonly status = 401;
  readonly code = 'invalid_api_key';

  constructor() {
    super('The access key is not valid for this gateway.');
    this.headers['www-authenticate'] = 'Bearer';
  }
}

/** The route shows every client's traffic, and the access key presented is not an admin key. */
export class AdminKeyRequiredError extends GatewayError {
  readonly status = 403;
  readonly code = 'admin_key_required';

  constructor() {
    super('This route shows every client\'s traffic: it needs an access key marked "admin": true in GATEWAY_API_KEYS.');
  }
}

/** The access key's own limit (GATEWAY_API_KEYS) is used up; other keys are not affected. */
export class AccessKeyLimitedError extends GatewayError {
  readonly status = 429;
  // The code of every 429: a client retries after Retry-After whichever limit it was.
  readonly code = 'rate_limited';
  override readonly details: { limit: 'requestsPerMinute' | 'tokensPerDay' };

  constructor(limit: 'requestsPerMinute' | 'tokensPerDay', value: number, readonly retryAfterSeconds: number) {
    super(`This access key's ${limit} limit (${value}) is used up; retry in ${retryAfterSeconds} s.`);
    this.details = { limit };
    this.headers['retry-after'] = String(retryAfterSeconds);
  }
}

/** A failure after the answer began: sent as an SSE `error` event, never followed by `done`. */
export class StreamInterruptedError extends Error {
  override readonly name = 'StreamInterruptedError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
