import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Groq from 'groq-sdk';
import type { ChatCompletionCreateParamsStreaming } from 'groq-sdk/resources/chat/completions';
import type { Environment } from '../config/environment.js';
import { UpstreamAnomalies } from './upstream-anomalies.js';
import { createUpstreamFetch } from './upstream-fetch.js';
import { OpenAiCompatibleAdapter, inspectSdkError, type RawResponse, type SdkFailure } from './openai-compatible.adapter.js';
import type { ReasoningDelivery } from './provider-adapter.js';

@Injectable()
export class GroqAdapter extends OpenAiCompatibleAdapter {
  readonly name = 'groq';
  readonly apiKeyVariable = 'GROQ_API_KEY';
  // Groq's unsuffixed headers: requests are per day, tokens per minute.
  protected readonly unsuffixedWindows = { requests: 'day', tokens: 'minute' } as const;
  // Groq documents the penalties as "not yet supported by any of our models", and has no prompt cache key.
  protected readonly unsupportedParameters = new Set(['frequency_penalty', 'presence_penalty', 'prompt_cache_key']);
  private readonly client: Groq | null;

  constructor(config: ConfigService<Environment, true>, anomalies: UpstreamAnomalies) {
    super(anomalies);
    const apiKey = config.get('GROQ_API_KEY', { infer: true });
    // The gateway does its own fallback: SDK retries would only delay it.
    this.client = apiKey
      ? new Groq({
          apiKey,
          baseURL: config.get('GROQ_BASE_URL', { infer: true }) ?? null,
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
