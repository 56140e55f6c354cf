import { describe, expect, it } from 'vitest';
import { OpenAiCompatibleAdapter, type RawResponse, type SdkFailure } from './openai-compatible.adapter.js';
import type { ReasoningDelivery, UpstreamChunk, UpstreamRequest, UpstreamStream } from './provider-adapter.js';
import { MAX_UPSTREAM_WAIT_MS, type HeaderSource } from './rate-limit-headers.js';
import { MAX_SSE_FRAME_BYTES } from './sse-decoder.js';
import { UpstreamAnomalies, type UpstreamAnomalyKind } from './upstream-anomalies.js';
import { UpstreamError } from './upstream-error.js';

/** Stands in for an SDK's error class; the test adapter recognises it the way a real one recognises APIError. */
class FakeSdkError extends Error {
  constructor(readonly failure: SdkFailure) {
    super('sdk error: Rate limit reached for model in organization org_secret123');
  }
}

class TestAdapter extends OpenAiCompatibleAdapter {
  readonly name = 'testprov';
  readonly apiKeyVariable = 'TESTPROV_API_KEY';
  readonly configured = true;
  protected readonly unsuffixedWindows = { requests: 'day', tokens: 'minute' } as const;
  protected readonly unsupportedParameters = new Set(['presence_penalty']);
  readonly sent: Array<Record<string, unknown>> = [];

  constructor(
    private readonly respond: () => Promise<RawResponse>,
    anomalies?: UpstreamAnomalies,
  ) {
    super(anomalies);
  }

  protected send(body: Record<string, unknown>): Promise<RawResponse> {
    this.sent.push(body);
    return this.respond();
  }

  listed: unknown = { data: [] };

  protected requestModelList(): Promise<unknown> {
    return this.listed instanceof Error ? Promise.reject(this.listed) : Promise.resolve(this.listed);
  }

  protected reasoningFields(delivery: ReasoningDelivery): Record<string, unknown> {
    return { reasoning_mode: delivery };
  }

  protected inspectSdkError(error: unknown): SdkFailure {
    return error instanceof FakeSdkError ? error.failure : { type: 'connection' };
  }
}

const encoder = new TextEncoder();

async function* bytes(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield encoder.encode(part);
}

const sse = (...frames: unknown[]) => frames.map((frame) => `data: ${typeof frame === 'string' ? frame : JSON.stringify(frame)}\n\n`).join('');

function answering(body: string | AsyncIterable<Uint8Array>, headers: HeaderSource = {}): TestAdapter {
  return new TestAdapter(async () => ({ headers, body: typeof body === 'string' ? bytes(body) : body }));
}

function failingWith(failure: SdkFailure): TestAdapter {
  return new TestAdapter(() => Promise.reject(new FakeSdkError(failure)));
}

const request: UpstreamRequest = {
  model: 'openai/gpt-oss-120b',
  messages: [{ role: 'user', content: 'hi' }],
  temperature: 0.7,
  maxCompletionTokens: 64,
  topP: 1,
};

async function open(adapter: TestAdapter, signal = new AbortController().signal): Promise<UpstreamStream> {
  return adapter.openStream(request, signal);
}

/** Every chunk of the stream, collected into `chunks` (kept when the stream fails part-way). */
async function drain(stream: UpstreamStream, chunks: UpstreamChunk[] = []): Promise<UpstreamChunk[]> {
  for await (const batch of stream.batches) chunks.push(...batch);
  return chunks;
}

async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

const groqError = (code: string, message = 'Rate limit reached for model in organization org_secret123') => ({
  error: { message, type: 'invalid_request_error', code },
});

describe('OpenAiCompatibleAdapter', () => {
  describe('the request', () => {
    it('sends the OpenAI chat-completions body with streaming on', async () => {
      const adapter = answering(sse('[DONE]'));
      await drain(await adapter.openStream({ ...request, stop: ['END'] }, new AbortController().signal));
      expect(adapter.sent[0]).toEqual({
        model: 'openai/gpt-oss-120b',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0.7,
        top_p: 1,
        max_completion_tokens: 64,
        stream: true,
        stop: ['END'],
      });
    });

    it('sends tools, tool messages and reasoning in the wire shape, leaving out what the provider does not take', async () => {
      const adapter = answering(sse('[DONE]'));
      const call = { id: 'call_1', type: 'function' as const, function: { name: 'weather', arguments: '{"city":"Oslo"}' } };
      const tool = { type: 'function' as const, function: { name: 'weather', parameters: { type: 'object' } } };
      const stream = await adapter.openStream(
        {
          ...request,
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: '', toolCalls: [call] },
            { role: 'tool', content: '12 C', toolCallId: 'call_1' },
            { role: 'assistant', content: null },
          ],
          tools: [tool],
          toolChoice: 'required',
          parallelToolCalls: false,
          reasoningEffort: 'low',
          reasoning: 'hidden',
          presencePenalty: 0.5,
          frequencyPenalty: 0.2,
        },
        new AbortController().signal,
      );
      await drain(stream);
      expect(adapter.sent[0]).toMatchObject({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', content: '12 C', tool_call_id: 'call_1' },
          { role: 'assistant', content: '' },
        ],
        tools: [tool],
        tool_choice: 'required',
        parallel_tool_calls: false,
        reasoning_effort: 'low',
        reasoning_mode: 'hidden',
        frequency_penalty: 0.2,
      });
      expect(adapter.sent[0]).not.toHaveProperty('presence_penalty');
      expect(stream.droppedParameters).toEqual(['presence_penalty']);
    });

    it('leaves out an empty tools list', async () => {
      const adapter = answering(sse('[DONE]'));
      await drain(await adapter.openStream({ ...request, tools: [] }, new AbortController().signal));
      expect(adapter.sent[0]).not.toHaveProperty('tools');
    });

    it('leaves out an empty stop list', async () => {
      const adapter = answering(sse('[DONE]'));
      await drain(await adapter.openStream({ ...request, stop: [] }, new AbortController().signal));
      expect(adapter.sent[0]).not.toHaveProperty('stop');
    });
  });

  describe('the stream', () => {
    it('decodes tool-call fragments with their index, id, name and arguments, in order', async () => {
      const body = sse(
        { choices: [{ delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] } }] },
        { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] } }] },
        { choices: [{ delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'time', arguments: '{}' } }] } }] },
        { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }, finish_reason: 'tool_calls' }] },
        '[DONE]',
      );
      const chunks = await drain(await open(answering(body)));
      expect(chunks).toEqual([
        { toolCalls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] },
        { toolCalls: [{ index: 0, function: { arguments: '{"city":' } }] },
        { toolCalls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'time', arguments: '{}' } }] },
        { toolCalls: [{ index: 0, function: { arguments: '"Oslo"}' } }], finishReason: 'tool_calls' },
      ]);
    });

    it.each([
      ['not an array', { index: 0 }],
      ['an index that is not an integer', [{ index: 'x' }]],
      ['a negative index', [{ index: -1 }]],
      ['an id that is not a string', [{ index: 0, id: 7 }]],
      ['a type other than function', [{ index: 0, type: 'code' }]],
      ['arguments that are not a string', [{ index: 0, function: { arguments: { city: 'Oslo' } } }]],
    ])('refuses a tool-call delta with %s as a protocol error', async (_, toolCalls) => {
      const body = sse({ choices: [{ delta: { content: 'ok' } }] }, { choices: [{ delta: { tool_calls: toolCalls } }] }, '[DONE]');
      const stream = await open(answering(body));
      const error = await upstreamError(drain(stream));
      expect(error.kind).toBe('protocol');
    });

    it.each([
      ['content that is a number', { delta: { content: 7 } }],
      ['content that is an object', { delta: { content: { text: 'hi' } } }],
      ['reasoning that is an array', { delta: { reasoning: ['a'] } }],
      ['a finish reason that is not a string', { delta: {}, finish_reason: true }],
    ])('refuses a chunk with %s as a protocol error, after the good frames before it', async (_, choice) => {
      const body = sse({ choices: [{ delta: { content: 'ok' } }] }, { choices: [choice] }, '[DONE]');
      const chunks: UpstreamChunk[] = [];
      const error = await upstreamError(drain(await open(answering(body)), chunks));
      expect({ kind: error.kind, chunks }).toEqual({ kind: 'protocol', chunks: [{ content: 'ok' }] });
    });

    it('decodes content, finish reason and Groq x_groq usage', async () => {
      const body = sse(
        { choices: [{ delta: { content: 'Hel' } }] },
        { choices: [{ delta: { reasoning: 'thinking' } }] },
        { choices: [{ delta: { content: 'lo' } }] },
        {
          choices: [{ delta: {}, finish_reason: 'stop' }],
          x_groq: { usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 } },
        },
        '[DONE]',
      );
      expect(await drain(await open(answering(body)))).toEqual([
        { content: 'Hel' },
        { reasoning: 'thinking' },
        { content: 'lo' },
        { finishReason: 'stop', usage: { promptTokens: 12, completionTokens: 2, totalTokens: 14 } },
      ]);
    });

    it('batches the frames of one network read together, one batch per read', async () => {
      const frame = (content: string) => sse({ choices: [{ delta: { content } }] });
      const stream = await open(answering(bytes(frame('a') + frame('b'), frame('c'), ': ping\n\n', frame('d') + sse('[DONE]'))));
      const batches: unknown[] = [];
      for await (const batch of stream.batches) batches.push(batch);
      expect(batches).toEqual([[{ content: 'a' }, { content: 'b' }], [{ content: 'c' }], [{ content: 'd' }]]);
    });

    it('decodes top-level usage on a chunk without choices', async () => {
      const body = sse({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 3 } }, '[DONE]');
      expect(await drain(await open(answering(body)))).toEqual([
        { usage: { promptTokens: 5, completionTokens: 3, totalTokens: 8 } },
      ]);
    });

    it('reports the rate-limit headers of the response', async () => {
      const stream = await open(
        answering(sse('[DONE]'), new Headers({ 'x-ratelimit-remaining-tokens': '17997', 'x-ratelimit-limit-requests': '14400' })),
      );
      expect(stream.rateLimit?.windows).toEqual(
        expect.arrayContaining([
          { resource: 'tokens', window: 'minute', remaining: 17_997 },
          { resource: 'requests', window: 'day', limit: 14_400 },
        ]),
      );
    });

    it('ignores frames after [DONE]', async () => {
      const body = sse({ choices: [{ delta: { content: 'a' } }] }, '[DONE]', { choices: [{ delta: { content: 'late' } }] });
      expect(await drain(await open(answering(body)))).toEqual([{ content: 'a' }]);
    });

    it('throws a connection error when the stream ends without data: [DONE]', async () => {
      const stream = await open(answering(sse({ choices: [{ delta: { content: 'a' } }] })));
      const error = await upstreamError(drain(stream));
      expect(error.kind).toBe('connection');
    });

    it('throws a connection error when the body breaks off', async () => {
      async function* broken(): AsyncGenerator<Uint8Array> {
        yield encoder.encode(sse({ choices: [{ delta: { content: 'a' } }] }));
        throw new Error('socket hang up');
      }
      const error = await upstreamError(drain(await open(answering(broken()))));
      expect(error.kind).toBe('connection');
    });

    it('throws a connection error when the response has no body', async () => {
      const adapter = new TestAdapter(async () => ({ headers: {}, body: null }));
      expect((await upstreamError(open(adapter))).kind).toBe('connection');
    });

    it('throws a protocol error on a chunk that is not JSON', async () => {
      const error = await upstreamError(drain(await open(answering(sse('{"choices": [', '[DONE]')))));
      expect(error.kind).toBe('protocol');
    });

    it('relays the good frames of a read before a bad frame in the same read, then throws', async () => {
      const stream = await open(answering(sse({ choices: [{ delta: { content: 'kept' } }] }, '{"choices": [', '[DONE]')));
      const received: unknown[] = [];
      const error = await upstreamError(
        (async () => {
          for await (const batch of stream.batches) received.push(...batch);
        })(),
      );
      expect(received).toEqual([{ content: 'kept' }]);
      expect(error.kind).toBe('protocol');
    });

    it('throws a server_error on an error frame inside the stream', async () => {
      const frame = { error: { message: 'Internal error for org_secret123', code: 'internal_error' }, status_code: 500 };
      const error = await upstreamError(drain(await open(answering(sse(frame, '[DONE]')))));
      expect(error.kind).toBe('server_error');
      expect(error.details).toMatchObject({ status: 500, code: 'internal_error' });
      expect(error.message).not.toContain('org_secret123');
    });

    it("throws a server_error on Groq's x_groq.error frame", async () => {
      const frame = { x_groq: { error: { message: 'org_secret123 stopped' } } };
      const error = await upstreamError(drain(await open(answering(sse(frame, '[DONE]')))));
      expect(error.kind).toBe('server_error');
      expect(error.message).not.toContain('org_secret123');
    });

    it('throws aborted when the signal fires while reading', async () => {
      const controller = new AbortController();
      async function* body(): AsyncGenerator<Uint8Array> {
        yield encoder.encode(sse({ choices: [{ delta: { content: 'a' } }] }));
        controller.abort();
        throw new Error('This operation was aborted');
      }
      const error = await upstreamError(drain(await open(answering(body()), controller.signal)));
      expect(error.kind).toBe('aborted');
    });
  });

  describe('HTTP failures', () => {
    it('maps a 429 with retry-after: 7 to rate_limited with retryAfterMs 7000', async () => {
      const error = await upstreamError(
        open(failingWith({ type: 'http', status: 429, body: groqError('rate_limit_exceeded'), headers: { 'retry-after': '7' } })),
      );
      expect(error.kind).toBe('rate_limited');
      expect(error.details).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryAfterMs: 7_000 });
      expect(error.worthFallingBack).toBe(true);
    });

    it('takes retryAfterMs from the reset of the exhausted window when a 429 has no retry-after', async () => {
      const headers = new Headers({
        'x-ratelimit-remaining-requests': '14000',
        'x-ratelimit-reset-requests': '2m59.56s',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': '7.66s',
      });
      const error = await upstreamError(
        open(failingWith({ type: 'http', status: 429, body: groqError('rate_limit_exceeded'), headers })),
      );
      expect(error.kind).toBe('rate_limited');
      expect(error.details.retryAfterMs).toBe(7_660);
    });

    it('leaves retryAfterMs unset when a 429 says nothing about when to retry', async () => {
      const error = await upstreamError(open(failingWith({ type: 'http', status: 429, body: {}, headers: {} })));
      expect(error.kind).toBe('rate_limited');
      expect(error.details.retryAfterMs).toBeUndefined();
    });

    it('maps 413 to payload_too_large', async () => {
      const error = await upstreamError(open(failingWith({ type: 'http', status: 413, body: groqError('request_too_large'), headers: {} })));
      expect(error.kind).toBe('payload_too_large');
    });

    it('maps 404 to model_unavailable', async () => {
      const error = await upstreamError(open(failingWith({ type: 'http', status: 404, body: groqError('not_found'), headers: {} })));
      expect(error.kind).toBe('model_unavailable');
    });

    it('maps the code model_decommissioned (Groq nests it under error) to model_unavailable, whatever the status', async () => {
      const error = await upstreamError(
        open(failingWith({ type: 'http', status: 400, body: groqError('model_decommissioned'), headers: {} })),
      );
      expect(error.kind).toBe('model_unavailable');
      expect(error.details.code).toBe('model_decommissioned');
    });

    it('reads a flat error code (Cerebras: {code})', async () => {
      const body = { message: 'queue full for org_secret123', code: 'queue_exceeded' };
      const error = await upstreamError(open(failingWith({ type: 'http', status: 429, body, headers: {} })));
      expect(error.kind).toBe('overloaded');
      expect(error.details.code).toBe('queue_exceeded');
    });

    it('maps 401 to auth and 500 to server_error', async () => {
      expect((await upstreamError(open(failingWith({ type: 'http', status: 401, body: {}, headers: {} })))).kind).toBe('auth');
      expect((await upstreamError(open(failingWith({ type: 'http', status: 500, body: {}, headers: {} })))).kind).toBe(
        'server_error',
      );
    });

    it("never puts the provider's own error message in the UpstreamError message", async () => {
      for (const status of [400, 401, 404, 413, 429, 500]) {
        const error = await upstreamError(
          open(failingWith({ type: 'http', status, body: groqError('some_code'), headers: { 'retry-after': '1' } })),
        );
        expect(error.message).not.toContain('org_secret123');
        expect(error.message).not.toContain('Rate limit reached');
        expect(error.message).toContain('testprov');
      }
    });
  });

  describe('other SDK failures', () => {
    it('maps timeout, aborted and connection failures to their kinds', async () => {
      expect((await upstreamError(open(failingWith({ type: 'timeout' })))).kind).toBe('timeout');
      expect((await upstreamError(open(failingWith({ type: 'aborted' })))).kind).toBe('aborted');
      expect((await upstreamError(open(failingWith({ type: 'connection' })))).kind).toBe('connection');
    });

    it('treats an error the SDK does not recognise as a connection failure without echoing it', async () => {
      const adapter = new TestAdapter(() => Promise.reject(new TypeError('fetch failed for org_secret123')));
      const error = await upstreamError(open(adapter));
      expect(error.kind).toBe('connection');
      expect(error.message).not.toContain('org_secret123');
    });
  });

  describe('the model list', () => {
    const listing = (listed: unknown) => {
      const anomalies = new UpstreamAnomalies();
      const reported: string[] = [];
      anomalies.subscribe((_provider, kind) => reported.push(kind));
      const adapter = new TestAdapter(() => Promise.reject(new Error('not used')), anomalies);
      adapter.listed = listed;
      return { adapter, reported };
    };

    it('reads ids and context windows, passing over entries that are not a model', async () => {
      const { adapter } = listing({
        data: [{ id: 'a', context_window: 131_072 }, { id: 'b', context_window: -1 }, { id: 7 }, null, { id: '' }, { id: 'c', context_window: '8k' }],
      });
      expect(await adapter.listModels(new AbortController().signal)).toEqual([{ id: 'a', contextWindow: 131_072 }, { id: 'b' }, { id: 'c' }]);
    });

    it('refuses a list without a data array, or a huge one, as a protocol error, and counts it', async () => {
      for (const listed of [{ models: [] }, 'text', { data: Array.from({ length: 10_001 }, (_, i) => ({ id: `m${i}` })) }]) {
        const { adapter, reported } = listing(listed);
        await expect(adapter.listModels(new AbortController().signal)).rejects.toMatchObject({ kind: 'protocol' });
        expect(reported).toEqual(['malformed_model_list']);
      }
    });

    it('maps a failed listing like a failed request', async () => {
      const { adapter } = listing(new FakeSdkError({ type: 'http', status: 401, body: { error: { code: 'invalid_api_key' } }, headers: {} }));
      await expect(adapter.listModels(new AbortController().signal)).rejects.toMatchObject({ kind: 'auth' });
    });
  });

  describe('what the provider is not believed', () => {
    /** An adapter whose anomaly reports are recorded as `provider:kind`. */
    function watched(respond: () => Promise<RawResponse>): { adapter: TestAdapter; reported: string[] } {
      const anomalies = new UpstreamAnomalies();
      const reported: string[] = [];
      anomalies.subscribe((provider, kind: UpstreamAnomalyKind) => reported.push(`${provider}:${kind}`));
      return { adapter: new TestAdapter(respond, anomalies), reported };
    }

    it.each([
      ['negative', { prompt_tokens: -1_000_000, completion_tokens: 5, total_tokens: -999_995 }],
      ['strings', { prompt_tokens: 'abc', completion_tokens: '111', total_tokens: 'abc111' }],
      ['1e300', { prompt_tokens: 1e300, completion_tokens: 5 }],
      ['a total that does not add up', { prompt_tokens: 5, completion_tokens: 5, total_tokens: 1e300 }],
      ['not an object', 'lots'],
    ])('drops usage that is %s, keeps the frame, and reports invalid_usage', async (_case, usage) => {
      const { adapter, reported } = watched(async () => ({
        headers: {},
        body: bytes(sse({ choices: [{ delta: { content: 'hi' }, finish_reason: 'stop' }], x_groq: { usage } }, '[DONE]')),
      }));
      expect(await drain(await open(adapter))).toEqual([{ content: 'hi', finishReason: 'stop' }]);
      expect(reported).toEqual(['testprov:invalid_usage']);
    });

    it('ends the attempt as a protocol error at an oversized frame, after the good frames of the same read, and reads no further', async () => {
      let readsAfterLimit = 0;
      let bodyClosed = false;
      async function* body(): AsyncGenerator<Uint8Array> {
        try {
          yield encoder.encode(`${sse({ choices: [{ delta: { content: 'ok' } }] })}data: `);
          const read = encoder.encode('x'.repeat(64 * 1024));
          for (let sent = 0; ; sent += read.length) {
            if (sent > MAX_SSE_FRAME_BYTES) readsAfterLimit += 1;
            yield read;
          }
        } finally {
          bodyClosed = true;
        }
      }
      const { adapter, reported } = watched(async () => ({ headers: {}, body: body() }));
      const stream = await open(adapter);
      const chunks: UpstreamChunk[] = [];
      const error = await upstreamError(
        (async () => {
          for await (const batch of stream.batches) chunks.push(...batch);
        })(),
      );
      expect(error.kind).toBe('protocol');
      expect(error.message).toBe('testprov sent an SSE frame larger than 1048576 bytes');
      expect(chunks).toEqual([{ content: 'ok' }]);
      expect(readsAfterLimit).toBeLessThanOrEqual(1);
      expect(bodyClosed).toBe(true);
      expect(reported).toEqual(['testprov:oversized_frame']);
    });

    it('clamps a retry-after of 99999999 seconds to the 24-hour cap and reports it', async () => {
      const { adapter, reported } = watched(() =>
        Promise.reject(new FakeSdkError({ type: 'http', status: 429, body: groqError('rate_limit_exceeded'), headers: { 'retry-after': '99999999' } })),
      );
      const error = await upstreamError(open(adapter));
      expect(error.details.retryAfterMs).toBe(MAX_UPSTREAM_WAIT_MS);
      expect(reported).toEqual(['testprov:implausible_retry_after']);
    });

    it('ignores a negative remaining count in the stream headers and reports it', async () => {
      const { adapter, reported } = watched(async () => ({
        headers: { 'x-ratelimit-remaining-tokens': '-999900', 'x-ratelimit-limit-tokens': '8000' },
        body: bytes(sse('[DONE]')),
      }));
      const stream = await open(adapter);
      expect(stream.rateLimit?.windows).toEqual([{ resource: 'tokens', window: 'minute', limit: 8_000 }]);
      expect(reported).toEqual(['testprov:invalid_rate_limit']);
    });
  });
});
