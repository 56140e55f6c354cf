import { UpstreamError, classifyHttpFailure, describeHttpFailure } from './upstream-error.js';
import { ProviderAdapter, type UpstreamChunk, type UpstreamRequest, type UpstreamStream } from './provider-adapter.js';
import {
  parseRateLimitHeaders,
  parseRetryAfter,
  type HeaderSource,
  type RateLimitResource,
  type RateLimitSnapshot,
  type RateLimitWindowName,
} from './rate-limit-headers.js';
import { decodeSseData } from './sse-decoder.js';

/** The part of a fetch Response the adapters read (undici and node-fetch both fit). */
export interface RawResponse {
  headers: HeaderSource;
  body: AsyncIterable<Uint8Array> | null;
}

/** What an SDK error says, once the adapter has recognised the SDK's error class. */
export type SdkFailure =
  | { type: 'http'; status: number; body: unknown; headers: HeaderSource }
  | { type: 'timeout' | 'connection' | 'aborted' };

interface WireChunk {
  choices?: Array<{ delta?: { content?: string | null; reasoning?: string | null }; finish_reason?: string | null }>;
  usage?: WireUsage | null;
  x_groq?: { usage?: WireUsage | null; error?: unknown };
  error?: { code?: string; type?: string };
  status_code?: number;
}

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/**
 * Shared behaviour of providers that speak the OpenAI chat-completions wire format. The SDK is
 * used for auth, URLs and HTTP errors (`asResponse()`); the body is decoded here so that each
 * token is forwarded the moment it arrives, with one parser for every provider.
 */
export abstract class OpenAiCompatibleAdapter extends ProviderAdapter {
  /** Which window a header without a `-minute|-hour|-day` suffix describes. */
  protected abstract readonly unsuffixedWindows: Record<RateLimitResource, RateLimitWindowName>;

  /** Sends the request through the SDK; resolves with the raw response once headers arrive. */
  protected abstract send(body: Record<string, unknown>, signal: AbortSignal): Promise<RawResponse>;

  /** Recognises this SDK's error classes; anything else is treated as a connection failure. */
  protected abstract inspectSdkError(error: unknown): SdkFailure;

  /** Extra body fields this provider needs (e.g. asking for usage on streams). */
  protected extraBody(): Record<string, unknown> {
    return {};
  }

  async openStream(request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamStream> {
    const body: Record<string, unknown> = {
      model: request.model,
      messages: request.messages,
      temperature: request.temperature,
      top_p: request.topP,
      max_completion_tokens: request.maxCompletionTokens,
      stream: true,
      ...(request.stop?.length ? { stop: request.stop } : {}),
      ...this.extraBody(),
    };
    let response: RawResponse;
    try {
      response = await this.send(body, signal);
    } catch (error) {
      throw this.toUpstreamError(error);
    }
    const rateLimit = parseRateLimitHeaders(response.headers, this.unsuffixedWindows, Date.now());
    if (!response.body) throw new UpstreamError('connection', `${this.name} sent no response body`);
    return { rateLimit, chunks: this.readChunks(response.body, signal) };
  }

  private async *readChunks(body: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<UpstreamChunk> {
    let finished = false;
    try {
      for await (const data of decodeSseData(body)) {
        if (finished) continue; // drain to the end so the connection can be reused
        if (data === '[DONE]') {
          finished = true;
          continue;
        }
        yield this.toChunk(this.parseFrame(data));
      }
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      if (signal.aborted) throw new UpstreamError('aborted', `${this.name} request aborted`);
      throw new UpstreamError('connection', `${this.name} stream broke off`);
    }
    if (signal.aborted) throw new UpstreamError('aborted', `${this.name} request aborted`);
    if (!finished) throw new UpstreamError('connection', `${this.name} stream ended before its end marker`);
  }

  private parseFrame(data: string): WireChunk {
    let frame: WireChunk;
    try {
      frame = JSON.parse(data) as WireChunk;
    } catch {
      throw new UpstreamError('protocol', `${this.name} sent a chunk that is not valid JSON`);
    }
    if (typeof frame !== 'object' || frame === null) {
      throw new UpstreamError('protocol', `${this.name} sent a chunk that is not an object`);
    }
    // Cerebras sends `{error, status_code}`; Groq says why a stream stopped in `x_groq.error`.
    if (frame.error || frame.x_groq?.error) {
      const code = frame.error ? (frame.error.code ?? frame.error.type) : undefined;
      throw new UpstreamError('server_error', `${this.name} reported an error mid-stream`, {
        code,
        status: frame.status_code,
      });
    }
    return frame;
  }

  private toChunk(frame: WireChunk): UpstreamChunk {
    const choice = frame.choices?.[0];
    const chunk: UpstreamChunk = {};
    if (choice?.delta?.content) chunk.content = choice.delta.content;
    if (choice?.delta?.reasoning) chunk.reasoning = choice.delta.reasoning;
    if (choice?.finish_reason) chunk.finishReason = choice.finish_reason;
    // Groq may report usage twice (top level and x_groq); consumers keep the last one.
    const usage = frame.usage ?? frame.x_groq?.usage;
    if (usage) {
      const promptTokens = usage.prompt_tokens ?? 0;
      const completionTokens = usage.completion_tokens ?? 0;
      chunk.usage = {
        promptTokens,
        completionTokens,
        totalTokens: usage.total_tokens ?? promptTokens + completionTokens,
      };
    }
    return chunk;
  }

  private toUpstreamError(error: unknown): UpstreamError {
    const failure = this.inspectSdkError(error);
    switch (failure.type) {
      case 'aborted':
        return new UpstreamError('aborted', `${this.name} request aborted`);
      case 'timeout':
        return new UpstreamError('timeout', `${this.name} did not answer in time`);
      case 'connection':
        return new UpstreamError('connection', `could not reach ${this.name}`);
      case 'http': {
        const code = errorCode(failure.body);
        const now = Date.now();
        const rateLimit = parseRateLimitHeaders(failure.headers, this.unsuffixedWindows, now);
        const kind = classifyHttpFailure(failure.status, code);
        return new UpstreamError(kind, describeHttpFailure(this.name, failure.status, code), {
          status: failure.status,
          code,
          retryAfterMs: parseRetryAfter(failure.headers, now) ?? exhaustedWindowReset(rateLimit, now),
          rateLimit,
        });
      }
    }
  }
}

/** Groq nests the error (`{error:{code}}`); Cerebras does not (`{code}`). */
function errorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { code?: unknown; error?: { code?: unknown } };
  const code = record.error?.code ?? record.code;
  return typeof code === 'string' ? code : undefined;
}

/** When a 429 has no retry-after, the reset of the window that ran out says how long to wait. */
function exhaustedWindowReset(snapshot: RateLimitSnapshot | null, now: number): number | undefined {
  const resets = (snapshot?.windows ?? [])
    .filter((window) => window.remaining === 0 && window.resetAt)
    .map((window) => Date.parse(window.resetAt!) - now);
  return resets.length > 0 ? Math.max(0, Math.min(...resets)) : undefined;
}
