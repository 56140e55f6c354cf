// Payload shapes of Groq's and Cerebras' OpenAI-style chat-completions APIs, and of a generic
// OpenAI-compatible server (`local`: what vLLM, Ollama or llama.cpp serve under /v1), as the
// simulator sends them. See /work/shared/reference/providers.md for the real formats.
import { checkToolUse, given } from './request-checks.js';

export type ProviderName = 'groq' | 'cerebras' | 'local';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** Everything a response needs that is fixed for one request. */
export interface ResponseContext {
  id: string;
  requestId: string;
  created: number;
  model: string;
  usage: Usage;
  /** Send `rawUsage` verbatim as the usage object instead of `usage` plus a computed total. */
  hasRawUsage: boolean;
  rawUsage?: unknown;
  finishReason: string;
  /** The client sent `stream_options.include_usage: true`. */
  includeUsage: boolean;
  /** Where the answer's reasoning goes, as the request's reasoning controls say. */
  reasoning: ReasoningOutput;
}

/**
 * 'parsed': in `delta.reasoning` / `message.reasoning`; 'raw': in the content, as
 * `<think>…</think>` before the answer; 'hidden': not sent at all.
 */
export type ReasoningOutput = 'parsed' | 'raw' | 'hidden';

/** Why a provider refuses a request with a 400, in the simulator's words. */
export interface RequestProblem {
  /** The offending field's path, e.g. `messages.2.tool_call_id`. */
  param: string;
  message: string;
}

/** Tokens and requests the simulator has counted against one provider+model so far. */
export interface QuotaUsed {
  requests: number;
  tokens: number;
}

/** A complete tool call, as the model made it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** The assistant message of a non-streamed answer. */
export interface AnswerMessage {
  /** null when the answer is only tool calls. */
  content: string | null;
  /** The reasoning shown as its own field, if any. */
  reasoning?: string;
  toolCalls: readonly ToolCall[];
}

export type Json = Record<string, unknown>;

export interface WireFormat {
  readonly chatPath: string;
  readonly modelsPath: string;
  completion(ctx: ResponseContext, message: AnswerMessage): Json;
  /** One streamed chunk carrying `delta` (content, tool calls...); the first also carries the role. */
  deltaChunk(ctx: ResponseContext, delta: Json, first: boolean): Json;
  /**
   * The deltas that stream one tool call: the call's arguments cut into `fragments` pieces
   * (default: the provider's own habit; fewer when the arguments are shorter than that).
   */
  toolCallDeltas(call: ToolCall, index: number, fragments?: number): Json[];
  /** The chunk(s) after the last content delta: finish reason and usage. */
  finishChunks(ctx: ResponseContext): Json[];
  /** The first problem this provider refuses the request for (messages, tools, reasoning controls...). */
  checkRequest(body: unknown): RequestProblem | undefined;
  /** Where a request's reasoning goes; the request has passed {@link checkRequest}. */
  reasoningOutput(body: unknown): ReasoningOutput;
  /** The body of this provider's 400 for a request it refuses. */
  badRequest(problem: RequestProblem): unknown;
  errorBody(status: number, model: string): unknown;
  unknownRoute(method: string, path: string): unknown;
  /** An error event inside a 200 stream. */
  errorFrame(status: number, message: string): Json;
  /** Headers a real error response carries besides the rate-limit ones. */
  errorHeaders(status: number): Record<string, string>;
  rateLimitHeaders(used: QuotaUsed): Record<string, string>;
  modelList(models: string[]): Json;
}

const withTotal = (usage: Usage) => ({
  ...usage,
  total_tokens: usage.prompt_tokens + usage.completion_tokens,
});

/** The usage object an answer carries: the scripted one verbatim, or the counts with their total. */
const usageOf = (ctx: ResponseContext): unknown => (ctx.hasRawUsage ? ctx.rawUsage : withTotal(ctx.usage));

/** Groq's usage with its timings; a scripted usage goes verbatim (timings added only to an object). */
const groqUsage = (ctx: ResponseContext): unknown => {
  const usage = usageOf(ctx);
  return ctx.hasRawUsage && (typeof usage !== 'object' || usage === null || Array.isArray(usage)) ? usage : { ...(usage as Json), ...timings };
};

const timings = { queue_time: 0.01, prompt_time: 0.002, completion_time: 0.05, total_time: 0.062 };

const chunk = (ctx: ResponseContext, choices: Json[], extra: Json = {}): Json => ({
  id: ctx.id,
  object: 'chat.completion.chunk',
  created: ctx.created,
  model: ctx.model,
  system_fingerprint: 'fp_simulator',
  choices,
  ...extra,
});

const deltaChoice = (delta: Json, first: boolean): Json => ({
  index: 0,
  // Role rides on the first chunk so that the first token is also the first write.
  delta: first ? { role: 'assistant', ...delta } : delta,
  logprobs: null,
  finish_reason: null,
});

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** `text` cut into at most `pieces` parts of nearly equal characters, never inside one; '' stays one part. */
function splitText(text: string, pieces: number): string[] {
  const chars = Array.from(graphemes.segment(text), (s) => s.segment);
  const count = Number.isFinite(pieces) ? Math.max(1, Math.min(Math.floor(pieces), chars.length)) : 1;
  return Array.from({ length: count }, (_, i) =>
    chars.slice(Math.floor((i * chars.length) / count), Math.floor(((i + 1) * chars.length) / count)).join(''),
  );
}

/** OpenAI's streamed tool call: a header delta with id, type and name, then argument fragments. */
const toolCallHeader = (call: ToolCall, index: number, args: string): Json => ({
  tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: args } }],
});
const argumentsDelta = (index: number, args: string): Json => ({ tool_calls: [{ index, function: { arguments: args } }] });

const messageJson = (message: AnswerMessage): Json => ({
  role: 'assistant',
  content: message.content,
  ...(message.reasoning !== undefined && { reasoning: message.reasoning }),
  ...(message.toolCalls.length > 0 && {
    tool_calls: message.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    })),
  }),
});

const finishChoice = (ctx: ResponseContext): Json => ({
  index: 0,
  delta: {},
  logprobs: null,
  finish_reason: ctx.finishReason,
});

const completion = (ctx: ResponseContext, message: AnswerMessage, extra: Json): Json => ({
  id: ctx.id,
  object: 'chat.completion',
  created: ctx.created,
  model: ctx.model,
  system_fingerprint: 'fp_simulator',
  choices: [
    { index: 0, message: messageJson(message), logprobs: null, finish_reason: ctx.finishReason },
  ],
  usage: usageOf(ctx),
  ...extra,
});

/** The request body's fields ({} for anything but an object). */
export const fieldsOf = (body: unknown): Json =>
  typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Json) : {};

const oneOf = (values: readonly string[], quote: string): string => values.map((v) => `${quote}${v}${quote}`).join(', ');

const GROQ_ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
const CEREBRAS_ROLES = GROQ_ROLES;

/** Parameters Groq documents as refused with a 400 when supplied (`n` only when not 1). */
function groqUnsupported(fields: Json): RequestProblem | undefined {
  for (const param of ['logprobs', 'logit_bias', 'top_logprobs']) {
    if (given(fields[param])) return { param, message: `\`${param}\` is not supported` };
  }
  if (given(fields.n) && fields.n !== 1) return { param: 'n', message: '`n` must be 1' };
  const messages = Array.isArray(fields.messages) ? (fields.messages as unknown[]) : [];
  const named = messages.findIndex((message) => given(fieldsOf(message).name));
  if (named >= 0) return { param: `messages.${named}.name`, message: `messages.${named}.name: property 'name' is unsupported` };
  return undefined;
}

const GROQ_REASONING_FORMATS = ['hidden', 'raw', 'parsed'] as const;
const CEREBRAS_REASONING_FORMATS = ['none', 'parsed', 'text_parsed', 'raw', 'hidden'] as const;

const httpMessage = (status: number): string =>
  status >= 500 ? 'Internal server error' : status === 404 ? 'Not found' : `Request failed with status ${status}`;

export const groqWire: WireFormat = {
  chatPath: '/openai/v1/chat/completions',
  modelsPath: '/openai/v1/models',

  completion: (ctx, message) =>
    completion(ctx, message, { x_groq: { id: ctx.requestId }, usage: groqUsage(ctx) }),

  deltaChunk: (ctx, delta, first) =>
    chunk(ctx, [deltaChoice(delta, first)], first ? { x_groq: { id: ctx.requestId } } : {}),

  // Groq sends a tool call whole: id, name and all its arguments in one delta.
  toolCallDeltas(call, index, fragments = 1) {
    const [head = '', ...rest] = splitText(call.arguments, fragments);
    return [toolCallHeader(call, index, head), ...rest.map((args) => argumentsDelta(index, args))];
  },

  checkRequest(body) {
    const fields = fieldsOf(body);
    const wrong = checkToolUse(fields, GROQ_ROLES) ?? groqUnsupported(fields);
    if (wrong) return wrong;
    const { include_reasoning: include, reasoning_format: format } = fields;
    // Groq documents the two as mutually exclusive.
    if (given(include) && given(format)) {
      return { param: 'reasoning_format', message: '`include_reasoning` and `reasoning_format` are mutually exclusive' };
    }
    if (given(format) && !GROQ_REASONING_FORMATS.some((f) => f === format)) {
      return { param: 'reasoning_format', message: `\`reasoning_format\` must be one of ${oneOf(GROQ_REASONING_FORMATS, '`')}` };
    }
    return undefined;
  },

  // `reasoning_effort: 'none'` turns reasoning off on the models that accept it (qwen3).
  reasoningOutput(body) {
    const { include_reasoning: include, reasoning_format: format, reasoning_effort: effort } = fieldsOf(body);
    if (include === false || format === 'hidden' || effort === 'none') return 'hidden';
    return format === 'raw' ? 'raw' : 'parsed';
  },

  badRequest: (problem) => ({ error: { message: problem.message, type: 'invalid_request_error', param: problem.param } }),

  finishChunks(ctx) {
    const xGroq = { id: ctx.requestId, usage: groqUsage(ctx) };
    if (!ctx.includeUsage) return [chunk(ctx, [finishChoice(ctx)], { x_groq: xGroq })];
    // With include_usage Groq adds an OpenAI-style usage-only chunk; usage sits only there
    // (top-level and in x_groq) so a reader of `usage ?? x_groq.usage` counts it once.
    return [chunk(ctx, [finishChoice(ctx)]), chunk(ctx, [], { usage: usageOf(ctx), x_groq: xGroq })];
  },

  errorBody(status, model) {
    if (status === 429) {
      return {
        error: {
          message:
            `Rate limit reached for model \`${model}\` in organization org_simulator on tokens per minute (TPM): ` +
            'Limit 8000, Used 7400, Requested 1200. Please try again in 4.5s.',
          type: 'tokens',
          code: 'rate_limit_exceeded',
        },
      };
    }
    if (status === 404) {
      return {
        error: {
          message: `The model \`${model}\` does not exist or you do not have access to it.`,
          type: 'invalid_request_error',
          code: 'model_not_found',
        },
      };
    }
    const type = status >= 500 ? 'internal_server_error' : 'invalid_request_error';
    return { error: { message: httpMessage(status), type } };
  },

  unknownRoute: (method, path) => ({
    error: {
      message: `Unknown request URL: ${method} ${path}. Please check the URL for typos.`,
      type: 'invalid_request_error',
      code: 'unknown_url',
    },
  }),

  // groq-sdk throws `APIError(undefined, data.error)` for any data frame with an `error` field.
  errorFrame: (_status, message) => ({ error: { message, type: 'internal_server_error' } }),

  // Groq sends retry-after (seconds) on 429 only.
  errorHeaders: (status): Record<string, string> => (status === 429 ? { 'retry-after': '5' } : {}),

  rateLimitHeaders: (used) => ({
    'x-ratelimit-limit-requests': '1000',
    'x-ratelimit-limit-tokens': '8000',
    'x-ratelimit-remaining-requests': String(Math.max(0, 1000 - used.requests)),
    'x-ratelimit-remaining-tokens': String(Math.max(0, 8000 - used.tokens)),
    'x-ratelimit-reset-requests': '2m59.56s',
    'x-ratelimit-reset-tokens': '7.66s',
  }),

  modelList: (models) => ({
    object: 'list',
    data: models.map((id) => ({
      id,
      object: 'model',
      created: 1_700_000_000,
      owned_by: 'Simulator',
      active: true,
      context_window: 131_072,
      max_completion_tokens: 65_536,
    })),
  }),
};

export const cerebrasWire: WireFormat = {
  chatPath: '/v1/chat/completions',
  modelsPath: '/v1/models',

  completion: (ctx, message) => completion(ctx, message, { time_info: timeInfo(ctx) }),

  deltaChunk: (ctx, delta, first) => chunk(ctx, [deltaChoice(delta, first)]),

  // Cerebras streams arguments as OpenAI does: a header with empty arguments, then fragments.
  toolCallDeltas: (call, index, fragments = 3) => [
    toolCallHeader(call, index, ''),
    ...splitText(call.arguments, fragments).map((args) => argumentsDelta(index, args)),
  ],

  checkRequest(body) {
    const fields = fieldsOf(body);
    const wrong = checkToolUse(fields, CEREBRAS_ROLES);
    if (wrong) return wrong;
    // Groq's switch: Cerebras does not define it, and refuses fields it does not define.
    if ('include_reasoning' in fields) {
      return { param: 'include_reasoning', message: "include_reasoning: property 'include_reasoning' is unsupported" };
    }
    const format = fields.reasoning_format;
    if (given(format) && !CEREBRAS_REASONING_FORMATS.some((f) => f === format)) {
      return { param: 'reasoning_format', message: `reasoning_format: value must be one of ${oneOf(CEREBRAS_REASONING_FORMATS, "'")}` };
    }
    return undefined;
  },

  // 'parsed', 'text_parsed' and 'none' (the model's default) all answer in the reasoning field.
  reasoningOutput(body) {
    const { reasoning_format: format, disable_reasoning: disabled, reasoning_effort: effort } = fieldsOf(body);
    if (format === 'hidden' || disabled === true || effort === 'none') return 'hidden';
    return format === 'raw' ? 'raw' : 'parsed';
  },

  // Cerebras' validation errors name no field in `param` (the message does).
  badRequest: (problem) => ({
    message: problem.message,
    type: 'invalid_request_error',
    param: 'validation_error',
    code: 'wrong_api_format',
  }),

  // Cerebras always reports usage, on the finish chunk.
  finishChunks: (ctx) => [
    chunk(ctx, [finishChoice(ctx)], { usage: usageOf(ctx), time_info: timeInfo(ctx) }),
  ],

  errorBody(status, model) {
    if (status === 429) {
      return {
        message: 'Requests per minute limit exceeded - too many requests sent.',
        type: 'too_many_requests_error',
        param: 'quota',
        code: 'request_quota_exceeded',
      };
    }
    if (status === 404) {
      return {
        message: `Model ${model} does not exist or you do not have access to it.`,
        type: 'not_found_error',
        param: 'model',
        code: 'model_not_found',
      };
    }
    const type = status >= 500 ? 'server_error' : 'invalid_request_error';
    return { message: httpMessage(status), type, param: null, code: null };
  },

  unknownRoute: (method, path) => ({
    message: `Unknown request URL: ${method} ${path}`,
    type: 'not_found_error',
    param: null,
    code: 'not_found',
  }),

  // The Cerebras SDK reads `status_code` from the frame (and still reports a connection error).
  errorFrame: (status, message) => ({
    error: { message, type: 'server_error', param: null, code: null },
    status_code: status,
  }),

  errorHeaders: () => ({}),

  rateLimitHeaders: (used) => ({
    'x-ratelimit-limit-requests-day': '14400',
    'x-ratelimit-limit-tokens-minute': '30000',
    'x-ratelimit-remaining-requests-day': String(Math.max(0, 14_400 - used.requests)),
    'x-ratelimit-remaining-tokens-minute': String(Math.max(0, 30_000 - used.tokens)),
    'x-ratelimit-reset-requests-day': '33011.38',
    'x-ratelimit-reset-tokens-minute': '11.38',
  }),

  modelList: (models) => ({
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'Cerebras' })),
  }),
};

function timeInfo(ctx: ResponseContext): Json {
  return { ...timings, created: ctx.created };
}

/** Fields only Groq or Cerebras define: a generic server refuses them, so the gateway must not send them there. */
const PROVIDER_SPECIFIC_FIELDS = ['include_reasoning', 'reasoning_format', 'disable_reasoning'];

/**
 * A generic OpenAI-compatible server: OpenAI's shapes (errors under `error`, usage on a final
 * usage-only chunk when `stream_options.include_usage` is set), no rate-limit headers at all.
 */
export const localWire: WireFormat = {
  chatPath: '/v1/chat/completions',
  modelsPath: '/v1/models',

  completion: (ctx, message) => completion(ctx, message, {}),

  deltaChunk: (ctx, delta, first) => chunk(ctx, [deltaChoice(delta, first)]),

  toolCallDeltas: (call, index, fragments = 2) => [
    toolCallHeader(call, index, ''),
    ...splitText(call.arguments, fragments).map((args) => argumentsDelta(index, args)),
  ],

  checkRequest(body) {
    const fields = fieldsOf(body);
    const wrong = checkToolUse(fields, GROQ_ROLES);
    if (wrong) return wrong;
    const specific = PROVIDER_SPECIFIC_FIELDS.find((field) => field in fields);
    return specific ? { param: specific, message: `Unrecognized request argument supplied: ${specific}` } : undefined;
  },

  reasoningOutput: (body) => (fieldsOf(body).reasoning_effort === 'none' ? 'hidden' : 'parsed'),

  badRequest: (problem) => ({ error: { message: problem.message, type: 'invalid_request_error', param: problem.param, code: null } }),

  finishChunks: (ctx) =>
    ctx.includeUsage ? [chunk(ctx, [finishChoice(ctx)]), chunk(ctx, [], { usage: usageOf(ctx) })] : [chunk(ctx, [finishChoice(ctx)])],

  errorBody(status, model) {
    if (status === 429) return { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    if (status === 404) {
      return { error: { message: `The model \`${model}\` does not exist`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' } };
    }
    return { error: { message: httpMessage(status), type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: null } };
  },

  unknownRoute: (method, path) => ({ error: { message: `Unknown request URL: ${method} ${path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } }),

  errorFrame: (_status, message) => ({ error: { message, type: 'server_error', param: null, code: null } }),

  errorHeaders: (status): Record<string, string> => (status === 429 ? { 'retry-after': '5' } : {}),

  rateLimitHeaders: () => ({}),

  modelList: (models) => ({
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'local' })),
  }),
};

export const wireFormats: Record<ProviderName, WireFormat> = { groq: groqWire, cerebras: cerebrasWire, local: localWire };
