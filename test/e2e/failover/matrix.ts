// Shared by the failover matrix specs: the upstream faults the simulator can produce, the five
// response modes with what a client of each sees, and checks of the tracker's state afterwards.
import { expect } from 'vitest';
import type { AttemptRecord } from '../../../src/common/errors/gateway-errors.js';
import { Clock } from '../../../src/usage/clock.js';
import type { Behaviour, ProviderName, RecordedRequest } from '../../support/simulator/provider-simulator.js';
import { eventually, getUsage, modelView } from '../../support/gateway-client.js';
import { parseSse, type Gateway } from '../../support/gateway-harness.js';

export const FIRST_TOKEN_TIMEOUT_MS = 400;
export const IDLE_TIMEOUT_MS = 400;
export const DEFAULT_COOLDOWN_MS = 45_000;
/** The retry-after (seconds) of the 429s that carry one. */
export const RETRY_AFTER_S = 30;
/** The public model id every deployment in these specs serves. */
export const PUBLIC_MODEL = 'm';

export const ENV: Record<string, string> = {
  ROTATION_STRATEGY: 'priority',
  UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: String(FIRST_TOKEN_TIMEOUT_MS),
  UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
  DEFAULT_COOLDOWN_MS: String(DEFAULT_COOLDOWN_MS),
};

export const PROVIDERS: readonly ProviderName[] = ['groq', 'cerebras'];

export const other = (provider: ProviderName): ProviderName => (provider === 'groq' ? 'cerebras' : 'groq');

/** What a failed attempt leaves on its deployment. */
export type Effect =
  | { type: 'none' }
  | { type: 'cooldown'; ms: number }
  | { type: 'unavailable'; reason: (provider: ProviderName) => string };

/** A fault that strikes before the first token, while failover is still possible. */
export interface EarlyFault {
  name: string;
  providers: readonly ProviderName[];
  behaviour: (provider: ProviderName) => Behaviour;
  /** The attempt's error as listed in `meta.attempts` / `details.attempts`. */
  kind: string;
  /** Whether another deployment is tried afterwards. */
  fallsBack: boolean;
  effect: Effect;
  /** The upstream answered with headers, so its rate-limit headers were recorded. */
  headersSeen: boolean;
  /** The gateway gave up waiting (first-token timer) and aborted the upstream request. */
  timesOut: boolean;
  /** What a client of a single deployment gets. */
  alone: { status: number; code: string; retryAfter?: string };
}

const cooldown = (ms: number): Effect => ({ type: 'cooldown', ms });
const unavailable = (reason: (provider: ProviderName) => string): Effect => ({ type: 'unavailable', reason });
const NONE: Effect = { type: 'none' };
const BOTH = PROVIDERS;

const upstreamError = { status: 502, code: 'upstream_error' };

/** Error bodies in each provider's own shape (Groq nests under `error`, Cerebras does not). */
function errorBody(provider: ProviderName, status: number, code: string, message: string): unknown {
  const type = status === 429 ? 'too_many_requests_error' : 'invalid_request_error';
  return provider === 'groq' ? { error: { message, type, code } } : { message, type, param: null, code };
}

export const EARLY_FAULTS: readonly EarlyFault[] = [
  {
    name: `429 with retry-after: ${RETRY_AFTER_S}`,
    providers: BOTH,
    behaviour: () => ({ kind: 'error', status: 429, headers: { 'retry-after': String(RETRY_AFTER_S) } }),
    kind: 'rate_limited',
    fallsBack: true,
    effect: cooldown(RETRY_AFTER_S * 1000),
    headersSeen: true,
    timesOut: false,
    alone: { status: 429, code: 'rate_limited', retryAfter: String(RETRY_AFTER_S) },
  },
  {
    name: '429 without retry-after',
    providers: BOTH,
    // Groq's simulated 429 always carries retry-after; an empty value is the same as none.
    behaviour: (provider) => ({ kind: 'error', status: 429, ...(provider === 'groq' ? { headers: { 'retry-after': '' } } : {}) }),
    kind: 'rate_limited',
    fallsBack: true,
    effect: cooldown(DEFAULT_COOLDOWN_MS),
    headersSeen: true,
    timesOut: false,
    alone: { status: 429, code: 'rate_limited', retryAfter: String(DEFAULT_COOLDOWN_MS / 1000) },
  },
  {
    name: '413 request larger than its TPM (rate_limit_exceeded)',
    providers: ['groq'],
    behaviour: (provider) => ({
      kind: 'error',
      status: 413,
      body: errorBody(
        provider,
        413,
        'rate_limit_exceeded',
        'Request too large for model in organization org_secret on tokens per minute (TPM): Limit 8000, Requested 9500.',
      ),
    }),
    kind: 'payload_too_large',
    fallsBack: true,
    effect: NONE,
    headersSeen: true,
    timesOut: false,
    // The provider says no wait will ever let this request through: the documented 413.
    alone: { status: 413, code: 'request_too_large' },
  },
  {
    name: '498 capacity_exceeded',
    providers: ['groq'],
    behaviour: (provider) => ({
      kind: 'error',
      status: 498,
      body: errorBody(provider, 498, 'capacity_exceeded', 'Flex tier capacity exceeded.'),
    }),
    kind: 'overloaded',
    fallsBack: true,
    effect: NONE,
    headersSeen: true,
    timesOut: false,
    alone: upstreamError,
  },
  ...[500, 502, 503].map(
    (status): EarlyFault => ({
      name: `${status}`,
      providers: BOTH,
      behaviour: () => ({ kind: 'error', status }),
      kind: 'server_error',
      fallsBack: true,
      effect: NONE,
      headersSeen: true,
      timesOut: false,
      alone: upstreamError,
    }),
  ),
  {
    name: '429 queue_exceeded (provider capacity, not our quota)',
    providers: ['cerebras'],
    behaviour: (provider) => ({
      kind: 'error',
      status: 429,
      body: errorBody(provider, 429, 'queue_exceeded', "We're experiencing high traffic right now! Please try again soon."),
    }),
    kind: 'overloaded',
    fallsBack: true,
    effect: NONE,
    headersSeen: true,
    timesOut: false,
    alone: upstreamError,
  },
  {
    name: '400 invalid_request_error (the request itself is rejected)',
    providers: BOTH,
    behaviour: (provider) => ({
      kind: 'error',
      status: 400,
      body: errorBody(provider, 400, 'invalid_request', "'messages.0' : bad value"),
    }),
    kind: 'bad_request',
    fallsBack: false,
    effect: NONE,
    headersSeen: true,
    timesOut: false,
    alone: upstreamError,
  },
  {
    name: 'hang before headers',
    providers: BOTH,
    behaviour: () => ({ kind: 'hang' }),
    kind: 'timeout',
    fallsBack: true,
    effect: NONE,
    headersSeen: false,
    timesOut: true,
    alone: { status: 504, code: 'upstream_timeout' },
  },
  {
    name: `first token later than UPSTREAM_FIRST_TOKEN_TIMEOUT_MS`,
    providers: BOTH,
    // Far beyond the timer: the simulator's delay is cancelled when the gateway hangs up.
    behaviour: () => ({ kind: 'ok', firstTokenDelayMs: 30_000 }),
    kind: 'timeout',
    fallsBack: true,
    effect: NONE,
    headersSeen: true,
    timesOut: true,
    alone: { status: 504, code: 'upstream_timeout' },
  },
  {
    name: 'connection dropped after the headers, before any chunk',
    providers: BOTH,
    behaviour: () => ({ kind: 'drop-mid-stream', afterChunks: 0 }),
    kind: 'connection',
    fallsBack: true,
    effect: NONE,
    headersSeen: true,
    timesOut: false,
    alone: upstreamError,
  },
  {
    name: 'malformed first chunk',
    providers: BOTH,
    behaviour: () => ({ kind: 'malformed-chunk', afterChunks: 0 }),
    kind: 'protocol',
    fallsBack: true,
    effect: NONE,
    headersSeen: true,
    timesOut: false,
    alone: upstreamError,
  },
  {
    name: 'error frame as the first chunk',
    providers: BOTH,
    behaviour: () => ({ kind: 'error-frame', afterChunks: 0, message: 'Internal error for org_secret (simulated)' }),
    kind: 'server_error',
    fallsBack: true,
    effect: NONE,
    headersSeen: true,
    timesOut: false,
    alone: upstreamError,
  },
  {
    name: '404 model_not_found',
    providers: BOTH,
    behaviour: () => ({ kind: 'error', status: 404 }),
    kind: 'model_unavailable',
    fallsBack: true,
    effect: unavailable((provider) => `${provider} answered 404 (model_not_found); skipped until restart`),
    headersSeen: true,
    timesOut: false,
    alone: upstreamError,
  },
  {
    name: '400 model_decommissioned',
    providers: ['groq'],
    behaviour: (provider) => ({
      kind: 'error',
      status: 400,
      body: errorBody(provider, 400, 'model_decommissioned', 'The model `solo` has been decommissioned and is no longer supported.'),
    }),
    kind: 'model_unavailable',
    fallsBack: true,
    effect: unavailable((provider) => `${provider} answered 400 (model_decommissioned); skipped until restart`),
    headersSeen: true,
    timesOut: false,
    alone: upstreamError,
  },
  {
    name: '402 payment_required',
    providers: ['cerebras'],
    behaviour: (provider) => ({ kind: 'error', status: 402, body: errorBody(provider, 402, 'payment_required', 'Payment required.') }),
    kind: 'model_unavailable',
    fallsBack: true,
    effect: unavailable((provider) => `${provider} answered 402 (payment_required); skipped until restart`),
    headersSeen: true,
    timesOut: false,
    alone: upstreamError,
  },
  {
    name: '401 bad key',
    providers: BOTH,
    behaviour: (provider) => ({ kind: 'error', status: 401, body: errorBody(provider, 401, 'invalid_api_key', 'Invalid API Key') }),
    kind: 'auth',
    fallsBack: true,
    effect: unavailable((provider) => `${provider} rejected the API key; skipped until restart`),
    headersSeen: true,
    timesOut: false,
    alone: upstreamError,
  },
  {
    name: 'connection refused',
    providers: BOTH,
    behaviour: () => ({ kind: 'refuse' }),
    kind: 'connection',
    fallsBack: true,
    effect: NONE,
    headersSeen: false,
    timesOut: false,
    alone: upstreamError,
  },
];

/** A fault that strikes after the first token: no failover, the answer is cut. */
export interface LateFault {
  name: string;
  behaviour: Behaviour;
  /** What the client had received before the cut. */
  delivered: string[];
  code: 'upstream_error' | 'upstream_timeout';
  message: (provider: ProviderName) => string;
  /** The cut comes from the gateway's idle timer. */
  stalls: boolean;
}

const broke = (kind: string) => (provider: ProviderName) => `${provider} stream failed (${kind}); the answer is incomplete.`;

export const LATE_FAULTS: readonly LateFault[] = [
  {
    name: 'stall after the first token',
    behaviour: { kind: 'stall-after-first-token' },
    delivered: ['Hello'],
    code: 'upstream_timeout',
    message: (provider) => `${provider} sent nothing for ${IDLE_TIMEOUT_MS} ms; the answer is incomplete.`,
    stalls: true,
  },
  {
    name: 'connection dropped mid-stream',
    behaviour: { kind: 'drop-mid-stream', afterChunks: 2 },
    delivered: ['Hello', ' from'],
    code: 'upstream_error',
    message: broke('connection'),
    stalls: false,
  },
  {
    name: 'malformed chunk mid-stream',
    behaviour: { kind: 'malformed-chunk', afterChunks: 1 },
    delivered: ['Hello'],
    code: 'upstream_error',
    message: broke('protocol'),
    stalls: false,
  },
  {
    name: 'error frame mid-stream',
    behaviour: { kind: 'error-frame', afterChunks: 1, message: 'Internal error for org_secret (simulated)' },
    delivered: ['Hello'],
    code: 'upstream_error',
    message: broke('server_error'),
    stalls: false,
  },
];

// ---------------------------------------------------------------------------------------------
// Response modes

export interface Served {
  /** The provider's model id that answered. */
  id: string;
  provider: ProviderName;
  attempts: AttemptRecord[];
  content: string[];
}

export interface Refused {
  status: number;
  code: string;
  /** The Retry-After header, or undefined when there must be none. */
  retryAfter?: string;
  /** `details.attempts` of the /chat body; undefined: not checked (the body may have none). */
  attempts?: AttemptRecord[];
  /** Text the message must contain. */
  mentions?: string;
}

export interface Cut {
  id: string;
  provider: ProviderName;
  delivered: string[];
  code: string;
  message: string;
}

export interface Mode {
  name: string;
  send(gw: Gateway, extra?: Record<string, unknown>): Promise<Response>;
  /** An answer that began and completed. */
  expectServed(response: Response, served: Served): Promise<void>;
  /** An error before the answer began. */
  expectRefused(response: Response, refused: Refused): Promise<void>;
  /** An answer that began and broke off. */
  expectCut(response: Response, cut: Cut): Promise<void>;
}

const messages = [{ role: 'user', content: 'Say hello.' }];

function post(gw: Gateway, path: string, body: unknown, accept?: string): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
    body: JSON.stringify(body),
  });
}

/** Reads the body until it ends or the connection breaks. */
export async function readUntilEndOrReset(response: Response): Promise<{ text: string; error: unknown }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { text: text + decoder.decode(), error: undefined };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

/** The `data:` payloads of an OpenAI-style stream, `[DONE]` kept as a string. */
function dataLines(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice(6))
    .map((payload) => (payload === '[DONE]' ? payload : JSON.parse(payload)));
}

interface OpenAiChunk {
  object: string;
  model: string;
  choices: Array<{ delta: { content?: string }; finish_reason: string | null }>;
}

const usageShape = { promptTokens: expect.any(Number), completionTokens: expect.any(Number), totalTokens: expect.any(Number) };

async function expectGatewayError(response: Response, refused: Refused): Promise<void> {
  expect(response.status).toBe(refused.status);
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(response.headers.get('retry-after') ?? undefined).toBe(refused.retryAfter);
  const body = (await response.json()) as { error: { code: string; message: string; details?: { attempts?: unknown } } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code: refused.code, message: expect.any(String) });
  expect(Object.keys(body.error).filter((field) => !['code', 'message', 'details'].includes(field))).toEqual([]);
  if (refused.attempts) expect(body.error.details).toEqual({ attempts: refused.attempts });
  if (refused.mentions) expect(body.error.message).toContain(refused.mentions);
}

const OPENAI_TYPES: Record<number, string> = { 413: 'invalid_request_error', 429: 'rate_limit_error' };

async function expectOpenAiError(response: Response, refused: Refused): Promise<void> {
  expect(response.status).toBe(refused.status);
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(response.headers.get('retry-after') ?? undefined).toBe(refused.retryAfter);
  const body = (await response.json()) as { error: { message: string } };
  expect(body).toEqual({
    error: { message: expect.any(String), type: OPENAI_TYPES[refused.status] ?? 'api_error', code: refused.code, param: null },
  });
  if (refused.mentions) expect(body.error.message).toContain(refused.mentions);
}

function expectGatewayHeaders(response: Response, id: string, provider: ProviderName, tried: number): void {
  expect(response.headers.get('x-gateway-model')).toBe(id);
  expect(response.headers.get('x-gateway-provider')).toBe(provider);
  expect(response.headers.get('x-gateway-attempts')).toBe(String(tried));
}

const sse: Mode = {
  name: '/chat SSE',
  send: (gw, extra) => post(gw, '/chat', { model: PUBLIC_MODEL, messages, ...extra }, 'text/event-stream'),
  async expectServed(response, served) {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(await response.text()).filter((event) => event.event !== 'comment');
    expect(events.map((event) => event.event)).toEqual(['meta', ...served.content.map(() => 'delta'), 'done']);
    const { id, provider, attempts } = served;
    expect(events[0]!.data).toEqual({ requestId: expect.any(String), model: id, provider, attempts });
    expect(events.slice(1, -1).map((event) => event.data)).toEqual(served.content.map((content) => ({ content })));
    expect(events.at(-1)!.data).toEqual({ finishReason: 'stop', usage: usageShape });
  },
  expectRefused: expectGatewayError,
  async expectCut(response, cut) {
    expect(response.status).toBe(200);
    const { text, error } = await readUntilEndOrReset(response);
    expect(error).toBeUndefined(); // the stream ends cleanly, with its error event
    const events = parseSse(text).filter((event) => event.event !== 'comment');
    expect(events.map((event) => event.event)).toEqual(['meta', ...cut.delivered.map(() => 'delta'), 'error']);
    expect(events[0]!.data).toEqual({ requestId: expect.any(String), model: cut.id, provider: cut.provider, attempts: [] });
    expect(events.slice(1, -1).map((event) => event.data)).toEqual(cut.delivered.map((content) => ({ content })));
    expect(events.at(-1)!.data).toEqual({ code: cut.code, message: cut.message });
  },
};

const text: Mode = {
  name: '/chat text',
  send: (gw, extra) => post(gw, '/chat', { model: PUBLIC_MODEL, messages, ...extra }, 'text/plain'),
  async expectServed(response, served) {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const { text: body, error } = await readUntilEndOrReset(response);
    expect(error).toBeUndefined();
    expect(body).toBe(served.content.join(''));
  },
  expectRefused: expectGatewayError,
  async expectCut(response, cut) {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const { text: body, error } = await readUntilEndOrReset(response);
    // What was written goes out, then a reset rather than a clean end: the client's read fails.
    expect(body).toBe(cut.delivered.join(''));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
  },
};

const chatJson: Mode = {
  name: '/chat JSON',
  send: (gw, extra) => post(gw, '/chat', { model: PUBLIC_MODEL, messages, stream: false, ...extra }),
  async expectServed(response, served) {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      requestId: expect.any(String),
      model: served.id,
      provider: served.provider,
      attempts: served.attempts,
      content: served.content.join(''),
      finishReason: 'stop',
      usage: usageShape,
    });
  },
  expectRefused: expectGatewayError,
  async expectCut(response, cut) {
    expect(response.status).toBe(cut.code === 'upstream_timeout' ? 504 : 502);
    expect(await response.json()).toEqual({ error: { code: cut.code, message: cut.message } });
  },
};

const openAiStream: Mode = {
  name: '/v1 stream',
  send: (gw, extra) => post(gw, '/v1/chat/completions', { model: PUBLIC_MODEL, messages, stream: true, ...extra }),
  async expectServed(response, served) {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expectGatewayHeaders(response, served.id, served.provider, served.attempts.length + 1);
    const lines = dataLines(await response.text());
    expect(lines.at(-1)).toBe('[DONE]');
    const chunks = lines.slice(0, -1) as OpenAiChunk[];
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === PUBLIC_MODEL)).toBe(true);
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('')).toBe(served.content.join(''));
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  },
  expectRefused: expectOpenAiError,
  async expectCut(response, cut) {
    expect(response.status).toBe(200);
    expectGatewayHeaders(response, cut.id, cut.provider, 1);
    const { text: body, error } = await readUntilEndOrReset(response);
    expect(error).toBeUndefined();
    const lines = dataLines(body);
    expect(lines).not.toContain('[DONE]');
    expect(lines.at(-1)).toEqual({ error: { message: cut.message, type: 'api_error', code: cut.code, param: null } });
    const chunks = lines.slice(0, -1) as OpenAiChunk[];
    expect(chunks.map((chunk) => chunk.choices[0]!.delta.content)).toEqual(cut.delivered);
    expect(chunks.every((chunk) => chunk.choices[0]!.finish_reason === null)).toBe(true);
  },
};

const openAiJson: Mode = {
  name: '/v1 non-stream',
  send: (gw, extra) => post(gw, '/v1/chat/completions', { model: PUBLIC_MODEL, messages, ...extra }),
  async expectServed(response, served) {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expectGatewayHeaders(response, served.id, served.provider, served.attempts.length + 1);
    expect(await response.json()).toMatchObject({
      object: 'chat.completion',
      model: PUBLIC_MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: served.content.join('') }, finish_reason: 'stop' }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
  },
  expectRefused: expectOpenAiError,
  async expectCut(response, cut) {
    expect(response.status).toBe(cut.code === 'upstream_timeout' ? 504 : 502);
    expect(await response.json()).toEqual({ error: { message: cut.message, type: 'api_error', code: cut.code, param: null } });
  },
};

export const MODES: readonly Mode[] = [sse, text, chatJson, openAiStream, openAiJson];

// ---------------------------------------------------------------------------------------------
// Tracker state

export interface Counters {
  requests: number;
  completed?: number;
  failures?: number;
  fallbacks?: number;
  limited?: number;
}

/** GET /usage: the totals of one deployment, every reservation released, nothing in flight. */
export async function expectUsage(gw: Gateway, key: string, counters: Counters): Promise<void> {
  await eventually(async () => {
    const entry = (await getUsage(gw)).models.find((model) => model.key === key);
    if (!entry) throw new Error(`GET /usage has no model ${key}`);
    expect(entry.totals).toEqual({
      requests: counters.requests,
      promptTokens: expect.any(Number),
      completionTokens: expect.any(Number),
      completed: counters.completed ?? 0,
      failures: counters.failures ?? 0,
      fallbacks: counters.fallbacks ?? 0,
      cancellations: 0,
      limited: counters.limited ?? 0,
      inFlight: 0,
    });
    for (const window of Object.values(entry.windows)) {
      expect(window.reservedTokens).toBe(0);
      expect(window.requests).toBe(counters.requests);
    }
  });
}

/** The time as the gateway sees it (shifted by `freshUsageWindows`), which its reports use. */
export function gatewayNow(gw: Gateway): number {
  return gw.app.get(Clock).now();
}

/** GET /models: the cooldown or unavailability a failure left, or none. */
export async function expectModelState(
  gw: Gateway,
  key: string,
  provider: ProviderName,
  effect: Effect,
  sentAt: number,
  answeredAt: number,
): Promise<void> {
  const view = await modelView(gw, key);
  switch (effect.type) {
    case 'none':
      expect(view).toMatchObject({ available: true, cooldownUntil: null });
      expect(view.reason).toBeUndefined();
      return;
    case 'cooldown': {
      expect(view.available).toBe(false);
      expect(view.cooldownUntil).not.toBeNull();
      expect(view.reason).toBe(`cooling down until ${view.cooldownUntil}`);
      const until = Date.parse(view.cooldownUntil!);
      expect(until).toBeGreaterThanOrEqual(sentAt + effect.ms - 1_000);
      expect(until).toBeLessThanOrEqual(answeredAt + effect.ms + 1_000);
      return;
    }
    case 'unavailable':
      expect(view).toMatchObject({ available: false, cooldownUntil: null, reason: effect.reason(provider) });
      return;
  }
}

/** Every upstream stream the simulator served has closed: nothing left running upstream. */
export async function expectNothingOpenUpstream(gw: Gateway): Promise<void> {
  await gw.sim.waitFor(() => gw.sim.streamStats().open === 0, 3 * Math.max(FIRST_TOKEN_TIMEOUT_MS, IDLE_TIMEOUT_MS) + 1_000);
}

/**
 * For a fault the gateway has to time out on (`timeoutMs` not null): the answer came after the
 * timer, not long after it, and the gateway hung up on the upstream request it gave up on.
 */
export async function expectGaveUp(
  gw: Gateway,
  request: () => RecordedRequest | undefined,
  elapsed: number,
  timeoutMs: number | null,
): Promise<void> {
  if (timeoutMs === null) return;
  expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 5);
  expect(elapsed).toBeLessThan(3 * timeoutMs);
  await gw.sim.waitFor(() => request()?.aborted === true);
}
