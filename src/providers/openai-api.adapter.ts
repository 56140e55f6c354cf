import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { ProviderSettings } from '../config/provider-config.js';
import { OpenAiCompatibleAdapter, inspectSdkError, type RawResponse, type SdkFailure } from './openai-compatible.adapter.js';
import type { UpstreamAnomalies } from './upstream-anomalies.js';
import { createUpstreamFetch } from './upstream-fetch.js';

/**
 * Any server that speaks OpenAI's chat-completions API (OpenRouter, Together, Fireworks, Mistral,
 * DeepInfra, a local Ollama, vLLM or llama.cpp server), through the official `openai` SDK, declared
 * in the catalog file with kind `openai-compatible`. Same transport, decoding, limits and failover
 * as Groq and Cerebras; rate-limit headers read OpenAI's way (or not at all when it sends none).
 */
export class OpenAiApiAdapter extends OpenAiCompatibleAdapter {
  readonly name: string;
  readonly apiKeyVariable: string | null;
  readonly configured: boolean;
  // OpenAI's unsuffixed headers are both per minute.
  protected readonly unsuffixedWindows;
  protected readonly unsupportedParameters: ReadonlySet<string>;
  private readonly client: OpenAI;

  constructor(settings: ProviderSettings, anomalies?: UpstreamAnomalies) {
    super(anomalies);
    this.name = settings.name;
    this.apiKeyVariable = settings.apiKeyVariable ?? null;
    // A provider that names a key variable needs it; one that names none (a local server) does not.
    this.configured = this.apiKeyVariable === null || settings.apiKey !== undefined;
    this.timeouts = { firstTokenMs: settings.firstTokenTimeoutMs, idleMs: settings.idleTimeoutMs };
    this.unsuffixedWindows = settings.rateLimitWindows ?? ({ requests: 'minute', tokens: 'minute' } as const);
    this.unsupportedParameters = new Set(settings.unsupportedParameters ?? []);
    const upstreamFetch = createUpstreamFetch(this.reportAnomaly, settings.apiKey ? [] : ['authorization']);
    this.client = new OpenAI({
      // The SDK insists on a key; without one the Authorization header is taken off again (above).
      apiKey: settings.apiKey ?? 'none',
      baseURL: settings.baseUrl!,
      // Explicit, so that OPENAI_ORG_ID / OPENAI_PROJECT_ID in the gateway's environment never reach this provider.
      organization: null,
      project: null,
      defaultHeaders: settings.headers,
      maxRetries: 0,
      fetch: upstreamFetch as unknown as typeof fetch,
    });
  }

  protected send(body: Record<string, unknown>, signal: AbortSignal): Promise<RawResponse> {
    const params = body as unknown as ChatCompletionCreateParamsStreaming;
    return this.client.chat.completions.create(params, { signal }).asResponse() as unknown as Promise<RawResponse>;
  }

  protected requestModelList(signal: AbortSignal): Promise<unknown> {
    return this.client.models.list({ signal }).asResponse().then((response) => response.json());
  }

  // OpenAI's way of asking for usage on the last chunk; a server that ignores it leaves the estimate standing.
  protected override extraBody(): Record<string, unknown> {
    return { stream_options: { include_usage: true } };
  }

  // No field controls how a generic server returns reasoning: its model's default applies.
  protected reasoningFields(): Record<string, unknown> {
    return {};
  }

  protected inspectSdkError(error: unknown): SdkFailure {
    return inspectSdkError(error, OpenAI);
  }
}
