// What the benchmark sends and what a correct answer looks like: the simulator's answers, the
// requests to the gateway and straight to the simulator, and a check per response, so that a
// broken gateway (cut streams, error events, 5xx) cannot look fast.
import type { Behaviour } from '../test/support/simulator/provider-simulator.js';

const WORDS = ['The', 'gateway', 'relays', 'every', 'token', 'as', 'soon', 'as', 'it', 'arrives', 'from', 'the', 'provider'];

/** `count` word-sized deltas, each with its leading space, like a token stream. */
export function answer(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${i === 0 ? '' : ' '}${WORDS[i % WORDS.length]}${i}`);
}

export const SHORT_ANSWER = answer(20);
export const LONG_ANSWER = answer(100);
/** The fast streams' answer: long enough that relaying frames, not setting requests up, is the work. */
export const FAST_ANSWER = answer(2_000);

/** Zero delays, 20 content deltas: what the short runs measure (the gateway's own cost). */
export const SHORT_BEHAVIOUR: Behaviour = { kind: 'ok', content: SHORT_ANSWER };
/** Zero delays, 2,000 content deltas: how many tokens a second the relay carries (Groq and Cerebras stream 500-3,000 a second per answer). */
export const FAST_BEHAVIOUR: Behaviour = { kind: 'ok', content: FAST_ANSWER };
/** Connections of the fast-stream runs. */
export const FAST_CONNECTIONS = 10;
/** A realistic model: 200 ms to the first token, then a chunk every 20 ms. */
export const LONG_BEHAVIOUR: Behaviour = { kind: 'ok', content: LONG_ANSWER, firstTokenDelayMs: 200, interChunkDelayMs: 20 };
/**
 * The hang-up check's streams: the first token at 200 ms, then 20 s of silence before the rest.
 * No stream can end by itself while the check waits, and the check measures cancellation only
 * (1,000 streams at 50 tokens a second each is a load test of its own: the long-stream runs).
 */
export const HANGUP_PAUSE_MS = 20_000;
export const HANGUP_BEHAVIOUR: Behaviour = { ...LONG_BEHAVIOUR, pauseAfterFirstTokenMs: HANGUP_PAUSE_MS };

/** The public model id of the benchmark catalog, served by a Groq and a Cerebras deployment. */
export const MODEL = 'gpt-oss-120b';

const LIMITLESS = {
  requestsPerMinute: 1e12,
  requestsPerHour: 1e12,
  requestsPerDay: 1e12,
  tokensPerMinute: 1e12,
  tokensPerHour: 1e12,
  tokensPerDay: 1e12,
};
const DEFAULTS = { temperature: 0.7, maxCompletionTokens: 1_024, topP: 1 };

/** The MODELS_FILE: one model on both providers, with limits the limiter never reaches. */
export const BENCH_CATALOG = [
  { id: 'openai/gpt-oss-120b', model: MODEL, provider: 'groq', name: 'bench (Groq)', enabled: true, priority: 1, limits: LIMITLESS, defaults: DEFAULTS },
  { id: MODEL, provider: 'cerebras', name: 'bench (Cerebras)', enabled: true, priority: 2, limits: LIMITLESS, defaults: DEFAULTS },
];

const MESSAGES = [{ role: 'user', content: 'Say hello in twenty words.' }];

export type TargetName =
  | 'direct-stream'
  | 'baseline-stream'
  | 'chat-sse'
  | 'v1-stream'
  | 'direct-json'
  | 'chat-json'
  | 'v1-json'
  | 'chat-sse-groq'
  | 'chat-sse-cerebras'
  | 'chat-sse-cached';

/** One kind of request the short runs repeat. */
export interface Target {
  name: TargetName;
  label: string;
  /** direct: the simulator; baseline: the bare Node proxy (bench/baseline-proxy.ts). */
  via: 'gateway' | 'direct' | 'baseline';
  streamed: boolean;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Text that shows the first content token has arrived (for time to first byte). */
  firstTokenMarker: string;
  /** Is this a whole, correct answer (all 20 deltas and the end marker)? */
  verify: (body: string) => boolean;
}

export function countOf(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

const json = { 'content-type': 'application/json' };
const sse = { 'content-type': 'application/json', accept: 'text/event-stream' };
const fullText = SHORT_ANSWER.join('');

const chatSse = (body: string) => countOf(body, 'event: delta') === SHORT_ANSWER.length && body.includes('event: done');
/** OpenAI-style chunks: one `"content":` per delta, then `[DONE]` (the gateway's /v1 and the provider alike). */
const openAiStream = (body: string) =>
  countOf(body, '"content":') === SHORT_ANSWER.length && body.endsWith('data: [DONE]\n\n') && !body.includes('"error"');
const wholeText = (body: string) => body.includes(`"content":${JSON.stringify(fullText)}`);

/** What the gateway itself sends upstream to Groq, so the direct runs do the same work upstream. */
export const upstreamRequestBody = (messages: unknown, stream = true) =>
  JSON.stringify({
    model: 'openai/gpt-oss-120b',
    messages,
    temperature: DEFAULTS.temperature,
    top_p: DEFAULTS.topP,
    max_completion_tokens: DEFAULTS.maxCompletionTokens,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  });

const upstreamBody = (stream: boolean) => upstreamRequestBody(MESSAGES, stream);

export const GROQ_CHAT_PATH = '/groq/openai/v1/chat/completions';

export const TARGETS: Record<TargetName, Target> = {
  'direct-stream': {
    name: 'direct-stream',
    label: 'direct Groq stream',
    via: 'direct',
    streamed: true,
    path: GROQ_CHAT_PATH,
    headers: json,
    body: upstreamBody(true),
    firstTokenMarker: '"content":',
    verify: openAiStream,
  },
  'baseline-stream': {
    name: 'baseline-stream',
    label: 'bare Node proxy stream',
    via: 'baseline',
    streamed: true,
    path: '/chat',
    headers: sse,
    body: JSON.stringify({ model: MODEL, messages: MESSAGES }),
    firstTokenMarker: '"content":',
    verify: openAiStream,
  },
  'chat-sse': {
    name: 'chat-sse',
    label: 'gateway /chat SSE',
    via: 'gateway',
    streamed: true,
    path: '/chat',
    headers: sse,
    body: JSON.stringify({ model: MODEL, messages: MESSAGES }),
    firstTokenMarker: 'event: delta',
    verify: chatSse,
  },
  'v1-stream': {
    name: 'v1-stream',
    label: 'gateway /v1 stream',
    via: 'gateway',
    streamed: true,
    path: '/v1/chat/completions',
    headers: json,
    body: JSON.stringify({ model: MODEL, messages: MESSAGES, stream: true }),
    firstTokenMarker: '"content":',
    verify: openAiStream,
  },
  'direct-json': {
    name: 'direct-json',
    label: 'direct Groq non-stream',
    via: 'direct',
    streamed: false,
    path: GROQ_CHAT_PATH,
    headers: json,
    body: upstreamBody(false),
    firstTokenMarker: '"content":',
    verify: wholeText,
  },
  'chat-json': {
    name: 'chat-json',
    label: 'gateway /chat JSON',
    via: 'gateway',
    streamed: false,
    path: '/chat',
    headers: json,
    body: JSON.stringify({ model: MODEL, messages: MESSAGES, stream: false }),
    firstTokenMarker: '"content":',
    verify: wholeText,
  },
  'v1-json': {
    name: 'v1-json',
    label: 'gateway /v1 non-stream',
    via: 'gateway',
    streamed: false,
    path: '/v1/chat/completions',
    headers: json,
    body: JSON.stringify({ model: MODEL, messages: MESSAGES }),
    firstTokenMarker: '"content":',
    verify: wholeText,
  },
  'chat-sse-groq': {
    name: 'chat-sse-groq',
    label: 'gateway /chat SSE, Groq only',
    via: 'gateway',
    streamed: true,
    path: '/chat',
    headers: sse,
    body: JSON.stringify({ model: 'groq/openai/gpt-oss-120b', messages: MESSAGES }),
    firstTokenMarker: 'event: delta',
    verify: chatSse,
  },
  'chat-sse-cerebras': {
    name: 'chat-sse-cerebras',
    label: 'gateway /chat SSE, Cerebras only',
    via: 'gateway',
    streamed: true,
    path: '/chat',
    headers: sse,
    body: JSON.stringify({ model: 'cerebras/gpt-oss-120b', messages: MESSAGES }),
    firstTokenMarker: 'event: delta',
    verify: chatSse,
  },
  'chat-sse-cached': {
    name: 'chat-sse-cached',
    label: 'gateway /chat SSE, cache hit',
    via: 'gateway',
    streamed: true,
    path: '/chat',
    // Asks for the response cache (the bench gateway runs with CACHE=memory): after the first, every request is a hit.
    headers: { ...sse, 'x-gateway-cache': 'use' },
    body: JSON.stringify({ model: MODEL, messages: MESSAGES }),
    firstTokenMarker: 'event: delta',
    verify: chatSse,
  },
};

/** The cache check's pair: the bare proxy's stream, then a cache hit of the same answer from the gateway. */
export const CACHE_PAIR: [TargetName, TargetName] = ['baseline-stream', 'chat-sse-cached'];

/** The short-run matrix: each connection count runs these, direct first. */
export const MATRIX_TARGETS: TargetName[] = ['direct-stream', 'baseline-stream', 'chat-sse', 'v1-stream', 'direct-json', 'chat-json', 'v1-json'];
/** The parity check's pairs: /chat, then the /v1 request that should cost about the same. */
export const PARITY_PAIRS: Array<[TargetName, TargetName]> = [
  ['chat-sse', 'v1-stream'],
  ['chat-json', 'v1-json'],
];
/** The fast-stream runs: direct, the bare proxy and the gateway's two streamed routes. */
export const FAST_TARGETS: TargetName[] = ['direct-stream', 'baseline-stream', 'chat-sse', 'v1-stream'];

/** A streamed target, checked for the whole 2,000-delta answer. */
export function fastTarget(name: TargetName): Target {
  const target = TARGETS[name];
  const deltas = FAST_ANSWER.length;
  const verify =
    name === 'chat-sse'
      ? (body: string) => countOf(body, 'event: delta') === deltas && body.includes('event: done')
      : (body: string) => countOf(body, '"content":') === deltas && body.endsWith('data: [DONE]\n\n') && !body.includes('"error"');
  return { ...target, label: `${target.label}, 2,000 tokens`, verify };
}

/** Extra rows at one connection count: where /chat SSE spends its time per provider SDK. */
export const PER_PROVIDER_TARGETS: TargetName[] = ['chat-sse-groq', 'chat-sse-cerebras'];

/** The long-stream request: /chat SSE. */
export const LONG_STREAM_BODY = JSON.stringify({ model: MODEL, messages: MESSAGES });

export interface StreamCheck {
  deltas: number;
  done: boolean;
  error?: string;
  content: string;
}

/** Reads a whole /chat SSE body: its deltas, their text, and whether `done` ended it. */
export function readChatSse(body: string): StreamCheck {
  const check: StreamCheck = { deltas: 0, done: false, content: '' };
  for (const frame of body.split('\n\n')) {
    const event = /^event: (.*)$/m.exec(frame)?.[1];
    const data = /^data: (.*)$/m.exec(frame)?.[1];
    if (event === 'delta' && data) {
      check.deltas++;
      check.content += (JSON.parse(data) as { content: string }).content;
    } else if (event === 'done') {
      check.done = true;
    } else if (event === 'error') {
      check.error = data ?? 'error event';
    }
  }
  return check;
}

/** Reads a whole OpenAI-style stream (what the bare proxy relays): its content deltas, their text, and whether `[DONE]` ended it. */
export function readOpenAiSse(body: string): StreamCheck {
  const check: StreamCheck = { deltas: 0, done: false, content: '' };
  for (const frame of body.split('\n\n')) {
    const data = /^data: (.*)$/m.exec(frame)?.[1];
    if (data === undefined) continue;
    if (data === '[DONE]') {
      check.done = true;
      continue;
    }
    const chunk = JSON.parse(data) as { error?: unknown; choices?: Array<{ delta?: { content?: unknown } }> };
    if (chunk.error) check.error = JSON.stringify(chunk.error);
    const content = chunk.choices?.[0]?.delta?.content;
    if (typeof content === 'string' && content.length > 0) {
      check.deltas++;
      check.content += content;
    }
  }
  return check;
}
