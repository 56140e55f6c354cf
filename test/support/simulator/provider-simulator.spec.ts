// Drives the simulator with the real SDKs, so the simulator's wire format is pinned against what
// groq-sdk and @cerebras/cerebras_cloud_sdk actually accept, and so the SDKs' quirks are documented.
import Cerebras from '@cerebras/cerebras_cloud_sdk';
import Groq from 'groq-sdk';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { ProviderSimulator, type Usage } from './provider-simulator.js';

const messages = [{ role: 'user' as const, content: 'Say hello to the simulator!' }]; // 27 chars → 7 tokens

const sim = new ProviderSimulator();
let groq: Groq;
let cerebras: Cerebras;

beforeAll(async () => {
  await sim.start();
  groq = new Groq({ apiKey: 'test-key', baseURL: sim.groqBaseUrl, maxRetries: 0 });
  cerebras = new Cerebras({
    apiKey: 'test-key',
    baseURL: sim.cerebrasBaseUrl,
    maxRetries: 0,
    warmTCPConnection: false,
  });
});
afterEach(() => {
  sim.reset();
  vi.restoreAllMocks();
});
afterAll(() => sim.stop());

interface Collected {
  text: string;
  chunks: number;
  usage: Partial<Usage> | undefined;
}

async function groqStream(model: string, options: { signal?: AbortSignal; includeUsage?: boolean } = {}) {
  const stream = await groq.chat.completions.create(
    {
      model,
      messages,
      stream: true,
      ...(options.includeUsage && includeUsage),
    },
    { signal: options.signal },
  );
  const out: Collected = { text: '', chunks: 0, usage: undefined };
  for await (const chunk of stream) {
    out.chunks++;
    out.text += chunk.choices[0]?.delta.content ?? '';
    // Groq: x_groq.usage on the final chunk, or top-level usage with include_usage; count once.
    out.usage = topLevelUsage(chunk) ?? chunk.x_groq?.usage ?? out.usage;
  }
  return out;
}

async function cerebrasStream(model: string, signal?: AbortSignal) {
  const stream = await cerebras.chat.completions.create({ model, messages, stream: true }, { signal });
  const out: Collected = { text: '', chunks: 0, usage: undefined };
  for await (const chunk of stream) {
    // The SDK's union includes an error-chunk type without `object`.
    if (!('object' in chunk) || chunk.object !== 'chat.completion.chunk') continue;
    out.chunks++;
    out.text += chunk.choices?.[0]?.delta?.content ?? '';
    out.usage = chunk.usage ?? out.usage;
  }
  return out;
}

/** groq-sdk 1.6 types neither `stream_options` nor the top-level chunk `usage` it adds. */
const includeUsage = { stream_options: { include_usage: true } };
const topLevelUsage = (chunk: object) => (chunk as { usage?: Usage | null }).usage;

/** Runs `fn` and returns what it threw. */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('streaming', () => {
  it('Groq: content deltas and x_groq usage on the final chunk', async () => {
    sim.setBehaviour('groq', 'openai/gpt-oss-20b', { kind: 'ok', content: ['Hi', ' there', '!'] });

    const out = await groqStream('openai/gpt-oss-20b');

    expect(out.text).toBe('Hi there!');
    expect(out.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    const [recorded] = sim.requestsFor('groq', 'openai/gpt-oss-20b');
    expect(recorded).toMatchObject({ stream: true, completed: true, aborted: false });
    expect(recorded!.headers.authorization).toBe('Bearer test-key');
    expect(recorded!.body.messages).toEqual(messages);
  });

  it('Groq: with include_usage, usage comes once, in a chunk without choices', async () => {
    const stream = await groq.chat.completions.create({ model: 'm', messages, stream: true, ...includeUsage });
    const withUsage = [];
    for await (const chunk of stream) if (topLevelUsage(chunk) ?? chunk.x_groq?.usage) withUsage.push(chunk);

    expect(withUsage).toHaveLength(1);
    expect(withUsage[0]!.choices).toEqual([]);
    expect(topLevelUsage(withUsage[0]!)).toMatchObject({ prompt_tokens: 7, completion_tokens: 4 });
    expect(withUsage[0]!.x_groq?.usage).toMatchObject(topLevelUsage(withUsage[0]!)!);
  });

  it('Cerebras: content deltas, usage and time_info on the final chunk', async () => {
    sim.setBehaviour('cerebras', 'gpt-oss-120b', {
      kind: 'ok',
      content: ['A', 'B'],
      usage: { prompt_tokens: 11, completion_tokens: 22 },
      finishReason: 'length',
    });

    const stream = await cerebras.chat.completions.create({ model: 'gpt-oss-120b', messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) if ('object' in chunk && chunk.object === 'chat.completion.chunk') chunks.push(chunk);

    expect(chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('')).toBe('AB');
    const last = chunks.at(-1)!;
    expect(last.choices?.[0]?.finish_reason).toBe('length');
    expect(last.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 });
    expect(last.time_info).toBeDefined();
    expect(sim.requestsFor('cerebras')[0]).toMatchObject({ model: 'gpt-oss-120b', completed: true });
  });

  it('sends the first token before a pause, as its own write', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'ok', pauseAfterFirstTokenMs: 600 });
    const started = Date.now();
    const stream = await groq.chat.completions.create({ model: 'm', messages, stream: true });
    const arrivals: number[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(Date.now() - started);

    expect(arrivals[0]).toBeLessThan(300);
    expect(arrivals[1]).toBeGreaterThanOrEqual(550);
  });

  it('flushes the first Cerebras token too (raw fetch: the Cerebras SDK itself holds it back)', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'ok', pauseAfterFirstTokenMs: 600 });
    const started = Date.now();
    const response = await fetch(`${sim.cerebrasBaseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, stream: true }),
    });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const elapsed = Date.now() - started;
    await reader.cancel();

    expect(first).toMatch(/^data: \{.*"content":"Hello".*\}\n\n$/);
    expect(elapsed).toBeLessThan(300);
  });
});

describe('non-streaming', () => {
  it('Groq: a chat.completion with usage and x_groq', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['One', ' answer'] });

    const completion = await groq.chat.completions.create({ model: 'm', messages });

    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message.content).toBe('One answer');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
    expect(completion.x_groq?.id).toMatch(/^req_/);
    expect(sim.requests[0]).toMatchObject({ stream: false, completed: true });
  });

  it('Cerebras: a chat.completion with usage', async () => {
    const completion = await cerebras.chat.completions.create({ model: 'm', messages });

    if (!('object' in completion) || completion.object !== 'chat.completion') throw new Error('not a completion');
    expect(completion.choices[0]!.message.content).toBe('Hello from the simulator');
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 4 });
  });
});

describe('errors and rate-limit headers', () => {
  it('Groq 429: RateLimitError, nested body, retry-after readable from Headers', async () => {
    sim.setBehaviour('groq', 'openai/gpt-oss-120b', { kind: 'error', status: 429, headers: { 'retry-after': '30' } });

    const err = await thrown(() => groq.chat.completions.create({ model: 'openai/gpt-oss-120b', messages }));

    expect(err).toBeInstanceOf(Groq.RateLimitError);
    const rateLimit = err as InstanceType<typeof Groq.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get('retry-after')).toBe('30');
    expect(rateLimit.headers.get('x-ratelimit-limit-tokens')).toBe('8000');
    expect(rateLimit.error).toMatchObject({ error: { code: 'rate_limit_exceeded', type: 'tokens' } });
  });

  it('Cerebras 429: RateLimitError, flat body, headers as a plain object', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'error', status: 429, headers: { 'retry-after': '12' } });

    const err = await thrown(() => cerebras.chat.completions.create({ model: 'm', messages, stream: true }));

    expect(err).toBeInstanceOf(Cerebras.RateLimitError);
    const rateLimit = err as InstanceType<typeof Cerebras.RateLimitError>;
    expect(rateLimit.headers?.['retry-after']).toBe('12');
    expect(rateLimit.headers?.['x-ratelimit-remaining-requests-day']).toBe('14399');
    expect(rateLimit.error).toMatchObject({ code: 'request_quota_exceeded', type: 'too_many_requests_error' });
  });

  it('other statuses map to the SDK error classes', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'error', status: 503 });
    sim.setBehaviour('cerebras', 'gone', { kind: 'error', status: 404 });

    expect(await thrown(() => groq.chat.completions.create({ model: 'm', messages }))).toBeInstanceOf(
      Groq.InternalServerError,
    );
    const notFound = await thrown(() => cerebras.chat.completions.create({ model: 'gone', messages }));
    expect(notFound).toBeInstanceOf(Cerebras.NotFoundError);
    expect((notFound as InstanceType<typeof Cerebras.NotFoundError>).error).toMatchObject({ code: 'model_not_found' });
  });

  it('Groq rate-limit headers via withResponse, remaining counts down', async () => {
    const first = await groq.chat.completions.create({ model: 'm', messages, stream: true }).withResponse();
    first.data.controller.abort();
    const second = await groq.chat.completions.create({ model: 'm', messages }).withResponse();

    const headers = second.response.headers;
    expect(headers.get('x-ratelimit-limit-requests')).toBe('1000');
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('998');
    expect(headers.get('x-ratelimit-remaining-tokens')).toBe(String(8000 - 2 * 7));
    expect(headers.get('x-ratelimit-reset-requests')).toBe('2m59.56s');
    expect(headers.get('x-ratelimit-reset-tokens')).toBe('7.66s');
    expect(first.response.headers.get('content-type')).toBe('text/event-stream');
  });

  it('Cerebras rate-limit headers via withResponse, with overrides', async () => {
    sim.setRateLimitHeaders('cerebras', 'm', { 'x-ratelimit-remaining-tokens-minute': '0' });

    const { response } = await cerebras.chat.completions.create({ model: 'm', messages }).withResponse();

    expect(response.headers.get('x-ratelimit-limit-requests-day')).toBe('14400');
    expect(response.headers.get('x-ratelimit-remaining-requests-day')).toBe('14399');
    expect(response.headers.get('x-ratelimit-remaining-tokens-minute')).toBe('0');
    expect(response.headers.get('x-ratelimit-reset-requests-day')).toBe('33011.38');
    expect(response.headers.get('x-ratelimit-reset-tokens-minute')).toBe('11.38');
  });
});

describe('aborts and broken streams', () => {
  it('Groq: aborting mid-stream ends the loop silently and marks the request aborted', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'stall-after-first-token' });
    const controller = new AbortController();
    const stream = await groq.chat.completions.create(
      { model: 'm', messages, stream: true },
      { signal: controller.signal },
    );
    const deltas: string[] = [];
    for await (const chunk of stream) {
      deltas.push(chunk.choices[0]?.delta.content ?? '');
      controller.abort();
    }

    expect(deltas).toEqual(['Hello']);
    await sim.waitFor(() => sim.requests[0]!.aborted);
    expect(sim.requests[0]!.completed).toBe(false);
  });

  it('Cerebras: aborting a hanging request rejects with APIUserAbortError and marks it aborted', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'hang' });
    const controller = new AbortController();
    const pending = cerebras.chat.completions.create({ model: 'm', messages, stream: true }, { signal: controller.signal });
    await sim.waitFor(() => sim.requests.length === 1);
    controller.abort();

    expect(await thrown(() => pending)).toBeInstanceOf(Cerebras.APIUserAbortError);
    await sim.waitFor(() => sim.requests[0]!.aborted);
  });

  it('drop-mid-stream: Groq gets the first chunk, then TypeError "terminated"', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'drop-mid-stream', afterChunks: 2 });
    const deltas: string[] = [];

    const err = await thrown(async () => {
      const stream = await groq.chat.completions.create({ model: 'm', messages, stream: true });
      for await (const chunk of stream) deltas.push(chunk.choices[0]?.delta.content ?? '');
    });

    expect(deltas).toEqual(['Hello', ' from']);
    expect(err).toMatchObject({ name: 'TypeError', message: 'terminated' });
    expect(sim.requests[0]).toMatchObject({ aborted: false, completed: false });
  });

  it('drop-mid-stream: Cerebras fails with "Premature close"', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'drop-mid-stream' });

    const err = await thrown(() => cerebrasStream('m'));

    expect(err).toMatchObject({ message: 'Premature close' });
  });

  it('error-frame: Groq throws a base APIError without status', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'error-frame', message: 'model overloaded' });

    const err = await thrown(() => groqStream('m'));

    expect(err).toBeInstanceOf(Groq.APIError);
    expect(err).not.toBeInstanceOf(Groq.InternalServerError);
    expect(err).toMatchObject({ status: undefined, message: 'model overloaded' });
    expect((err as InstanceType<typeof Groq.APIError>).error).toMatchObject({ type: 'internal_server_error' });
  });

  it('error-frame: Cerebras throws APIConnectionError, the real message only in cause', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'error-frame', status: 503, message: 'model overloaded' });

    const err = await thrown(() => cerebrasStream('m'));

    expect(err).toBeInstanceOf(Cerebras.APIConnectionError);
    expect(err).toMatchObject({ message: 'Connection error.', status: undefined });
    expect(String((err as Error).cause)).toContain('model overloaded');
  });

  it('malformed-chunk: both SDKs throw a SyntaxError', async () => {
    // Both SDKs log the bad frame: Cerebras via console.error, Groq via its own logger.
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const quietGroq = new Groq({ apiKey: 'test-key', baseURL: sim.groqBaseUrl, maxRetries: 0, logLevel: 'off' });
    sim.setBehaviour('groq', 'm', { kind: 'malformed-chunk' });
    sim.setBehaviour('cerebras', 'm', { kind: 'malformed-chunk' });

    const groqError = await thrown(async () => {
      const stream = await quietGroq.chat.completions.create({ model: 'm', messages, stream: true });
      for await (const _ of stream);
    });
    expect(groqError).toBeInstanceOf(SyntaxError);
    expect(await thrown(() => cerebrasStream('m'))).toBeInstanceOf(SyntaxError);
  });

  it('refuse: a connection error before any response', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'refuse' });
    sim.setBehaviour('cerebras', 'm', { kind: 'refuse' });

    expect(await thrown(() => groqStream('m'))).toBeInstanceOf(Groq.APIConnectionError);
    expect(await thrown(() => cerebrasStream('m'))).toBeInstanceOf(Cerebras.APIConnectionError);
    expect(sim.requests.map((r) => r.aborted)).toEqual([false, false]);
  });
});

describe('behaviour queue and defaults', () => {
  it('each request takes the next behaviour; the last one repeats', async () => {
    sim.setBehaviour(
      'groq',
      'm',
      { kind: 'error', status: 429 },
      { kind: 'ok', content: ['second'] },
      { kind: 'ok', content: ['last'] },
    );

    expect(await thrown(() => groqStream('m'))).toBeInstanceOf(Groq.RateLimitError);
    expect((await groqStream('m')).text).toBe('second');
    expect((await groqStream('m')).text).toBe('last');
    expect((await groqStream('m')).text).toBe('last');
    expect((await groqStream('other')).text).toBe('Hello from the simulator');
    expect(sim.requestsFor('groq', 'm')).toHaveLength(4);
  });

  it('the default behaviour applies to models without a queue, per provider prefix', async () => {
    sim.setDefaultBehaviour({ kind: 'ok', content: ['default'] });
    sim.setBehaviour('cerebras', 'm', { kind: 'ok', content: ['cerebras'] });

    expect((await groqStream('m')).text).toBe('default');
    expect((await cerebrasStream('m')).text).toBe('cerebras');
    expect(sim.requestsFor('cerebras')).toHaveLength(1);
  });

  it('lists configured models and answers TCP warming', async () => {
    sim.setBehaviour('groq', 'openai/gpt-oss-20b', { kind: 'ok' });
    sim.setBehaviour('cerebras', 'gpt-oss-120b', { kind: 'ok' });

    const groqModels = await groq.models.list();
    expect(groqModels.data.map((m) => m.id)).toEqual(['openai/gpt-oss-20b']);
    const cerebrasModels = await (await fetch(`${sim.cerebrasBaseUrl}/v1/models`)).json();
    expect(cerebrasModels.data.map((m: { id: string }) => m.id)).toEqual(['gpt-oss-120b']);
    expect((await fetch(`${sim.cerebrasBaseUrl}/v1/tcp_warming`)).status).toBe(200);
  });
});

describe('lifecycle', () => {
  it('stop() ends hanging and stalled responses without counting them as client aborts', async () => {
    const own = new ProviderSimulator();
    await own.start();
    own.setBehaviour('groq', 'hang', { kind: 'hang' });
    own.setBehaviour('groq', 'stall', { kind: 'stall-after-first-token' });
    const client = new Groq({ apiKey: 'test-key', baseURL: own.groqBaseUrl, maxRetries: 0 });
    const hanging = thrown(() => client.chat.completions.create({ model: 'hang', messages }));
    const stalled = thrown(async () => {
      const stream = await client.chat.completions.create({ model: 'stall', messages, stream: true });
      for await (const _ of stream);
    });
    await own.waitFor(() => own.requests.length === 2);

    await own.stop();

    expect(await hanging).toBeInstanceOf(Groq.APIConnectionError);
    expect(await stalled).toMatchObject({ message: 'terminated' });
    expect(own.requests.map((r) => [r.aborted, r.completed])).toEqual([
      [false, false],
      [false, false],
    ]);
  });
});

describe('stream stats (for load tests)', () => {
  it('counts streams open now, the peak, and those the client left', async () => {
    sim.setBehaviour('groq', 'stall', { kind: 'stall-after-first-token' });
    const controllers = [new AbortController(), new AbortController()];
    const streams = await Promise.all(
      controllers.map((controller) =>
        groq.chat.completions.create({ model: 'stall', messages, stream: true }, { signal: controller.signal }),
      ),
    );
    await groqStream('m');
    await groq.chat.completions.create({ model: 'm', messages }); // not streamed: not counted
    await sim.waitFor(() => sim.streamStats().open === 2);

    expect(sim.streamStats()).toEqual({ open: 2, peakOpen: 3, started: 3, aborted: 0 });

    for (const controller of controllers) controller.abort();
    for (const stream of streams) for await (const _ of stream);
    await sim.waitFor(() => sim.streamStats().open === 0);
    expect(sim.streamStats()).toEqual({ open: 0, peakOpen: 3, started: 3, aborted: 2 });

    sim.resetStreamStats();
    expect(sim.streamStats()).toEqual({ open: 0, peakOpen: 0, started: 0, aborted: 0 });
  });

  it('recordRequests: false keeps no requests but still counts streams', async () => {
    const own = new ProviderSimulator({ recordRequests: false });
    await own.start();
    try {
      const client = new Groq({ apiKey: 'test-key', baseURL: own.groqBaseUrl, maxRetries: 0 });
      const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
      for await (const _ of stream);

      expect(own.requests).toEqual([]);
      await own.waitFor(() => own.streamStats().open === 0);
      expect(own.streamStats()).toMatchObject({ started: 1, peakOpen: 1, aborted: 0 });
    } finally {
      await own.stop();
    }
  });
});

describe('scriptable misbehaviour (for the hostile suites)', () => {
  /** A raw POST to the simulator's chat path: the status, headers and every read of the body. */
  async function rawChat(provider: 'groq' | 'cerebras', model: string, body: object = {}) {
    const path = provider === 'groq' ? '/openai/v1/chat/completions' : '/v1/chat/completions';
    // node:http in flowing mode: one 'data' event per read from the socket.
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${sim.baseUrl(provider)}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
      req.once('error', reject);
      req.end(JSON.stringify({ model, messages, stream: true, ...body }));
    });
    const reads: Buffer[] = [];
    response.on('data', (chunk: Buffer) => reads.push(chunk));
    await new Promise((resolve) => response.once('end', resolve));
    return { status: response.statusCode, headers: response.headers, reads, text: Buffer.concat(reads).toString('utf8') };
  }

  it('rawUsage: the usage object is sent verbatim, without a computed total (Groq and Cerebras)', async () => {
    const rawUsage = { prompt_tokens: 'abc', completion_tokens: -1_000_000 };
    sim.setBehaviour('groq', 'm', { kind: 'ok', rawUsage });
    sim.setBehaviour('cerebras', 'm', { kind: 'ok', rawUsage: 1e300 });

    expect((await groqStream('m', { includeUsage: true })).usage).toEqual(rawUsage);
    expect((await groqStream('m')).usage).toMatchObject(rawUsage);
    expect((await cerebrasStream('m')).usage).toBe(1e300);
  });

  it('headers on a successful answer are sent as given, replacing the computed ones', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'ok', headers: { 'x-ratelimit-remaining-tokens': '-999900' } });
    const { response } = await groq.chat.completions.create({ model: 'm', messages, stream: true }).withResponse();
    expect(response.headers.get('x-ratelimit-remaining-tokens')).toBe('-999900');
  });

  it('error headers are sent as given: a 429 with retry-after 99999999', async () => {
    sim.setBehaviour('groq', 'm', { kind: 'error', status: 429, headers: { 'retry-after': '99999999' } });
    const err = await thrown(() => groq.chat.completions.create({ model: 'm', messages }));
    expect((err as InstanceType<typeof Groq.RateLimitError>).headers.get('retry-after')).toBe('99999999');
  });

  it('unterminated-body: an event-stream of `data: ` and N bytes without one newline', async () => {
    sim.setBehaviour('cerebras', 'm', { kind: 'unterminated-body', bytes: 1_000_000, chunkBytes: 10_000 });
    const { status, headers, text } = await rawChat('cerebras', 'm');
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream');
    expect(text.length).toBe(6 + 1_000_000);
    expect(text.startsWith('data: xxx')).toBe(true);
    expect(text).not.toContain('\n');
  });

  it('bytePerWrite: the same stream, one byte per write, so multi-byte characters arrive split', async () => {
    const content = ['é', '🙂', ' 日本'];
    sim.setBehaviour('groq', 'whole', { kind: 'ok', content });
    sim.setBehaviour('groq', 'bytes', { kind: 'ok', content, bytePerWrite: true });
    const whole = await rawChat('groq', 'whole');
    const bytewise = await rawChat('groq', 'bytes');
    const frames = (text: string) => text.split('\n\n').map((frame) => frame.replace(/"(id|created|model|x_groq)":("[^"]*"|\d+|\{[^}]*\})/g, ''));
    expect(frames(bytewise.text)).toEqual(frames(whole.text));
    expect(bytewise.text).toContain('🙂');
    expect(bytewise.reads.length).toBeGreaterThan(whole.reads.length * 10);
    expect(sim.requestsFor('groq', 'bytes')[0]!.completed).toBe(true);
  });
});
