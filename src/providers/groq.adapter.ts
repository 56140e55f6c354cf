import Groq from 'groq-sdk';
import type { ChatCompletionCreateParamsStreaming } from 'groq-sdk/resources/chat/completions';
import type { ProviderSettings } from '../config/provider-config.js';
import { OpenAiCompatibleAdapter, inspectSdkError, type RawResponse, type SdkFailure } from './openai-compatible.adapter.js';
import type { ReasoningDelivery } from './provider-adapter.js';
import type { UpstreamAnomalies } from './upstream-anomalies.js';
import { createUpstreamFetch } from './upstream-fetch.js';

/** Groq, through groq-sdk. */
export class GroqAdapter extends OpenAiCompatibleAdapter {
  readonly name: string;
  readonly apiKeyVariable: string | null;
  // Groq's unsuffixed headers: requests are per day, tokens per minute.
  protected readonly unsuffixedWindows;
  // Groq documents the penalties as "not yet supported by any of our models", and has no prompt cache key.
  protected readonly unsupportedParameters: ReadonlySet<string>;
  private readonly client: Groq | null;

  constructor(settings: ProviderSettings, anomalies?: UpstreamAnomalies) {
    super(anomalies);
    this.name = settings.name;
    this.apiKeyVariable = settings.apiKeyVariable ?? null;
    this.timeouts = { firstTokenMs: settings.firstTokenTimeoutMs, idleMs: settings.idleTimeoutMs };
    this.unsuffixedWindows = settings.rateLimitWindows ?? ({ requests: 'day', tokens: 'minute' } as const);
    this.unsupportedParameters = new Set(settings.unsupportedParameters ?? ['frequency_penalty', 'presence_penalty', 'prompt_cache_key']);
    // The gateway does its own fallback: SDK retries would only delay it.
    this.client = settings.apiKey
      ? new Groq({
          apiKey: settings.apiKey,
          baseURL: settings.baseUrl ?? null,
          defaultHeaders: settings.headers,
          maxRetries: 0,
          fetch: createUpstreamFetch(this.reportAnomaly) as unknown as typeof fetch,
        })
      : null;
  }

  get configured(): boolean {
    return this.client !== null;
  }

  protected send(body: Record<string, unknown>, signal: AbortSignal): Promise<RawResponse> {
    const params = body as unknown as ChatCompletionCreateParamsStreaming;
    return this.client!.chat.completions.create(params, { signal }).asResponse() as Promise<RawResponse>;
  }

  protected requestModelList(signal: AbortSignal): Promise<unknown> {
    return this.client!.models.list({ signal });
  }

  // Ask for top-level usage on the last chunk as well as x_groq.usage.
  protected override extraBody(): Record<string, unknown> {
    return { stream_options: { include_usage: true } };
  }

  // `include_reasoning` works on every Groq reasoning model; `reasoning_format` not on gpt-oss,
  // which is only needed for `raw`.
  protected reasoningFields(delivery: ReasoningDelivery): Record<string, unknown> {
    if (delivery === 'raw') return { reasoning_format: 'raw' };
    return { include_reasoning: delivery === 'separate' };
  }

  protected inspectSdkError(error: unknown): SdkFailure {
    return inspectSdkError(error, Groq);
  }
}
