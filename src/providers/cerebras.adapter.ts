import { Logger } from '@nestjs/common';
import Cerebras from '@cerebras/cerebras_cloud_sdk';
import type { ProviderSettings } from '../config/provider-config.js';
import { OpenAiCompatibleAdapter, inspectSdkError, type RawResponse, type SdkFailure } from './openai-compatible.adapter.js';
import type { ReasoningDelivery } from './provider-adapter.js';
import type { UpstreamAnomalies } from './upstream-anomalies.js';
import { createUpstreamFetch } from './upstream-fetch.js';

/** Cerebras, through @cerebras/cerebras_cloud_sdk. */
export class CerebrasAdapter extends OpenAiCompatibleAdapter {
  readonly name: string;
  readonly apiKeyVariable: string | null;
  protected readonly unsuffixedWindows;
  // Cerebras takes every optional parameter the gateway sends.
  protected readonly unsupportedParameters: ReadonlySet<string>;
  private readonly client: Cerebras | null;

  constructor(settings: ProviderSettings, anomalies?: UpstreamAnomalies) {
    super(anomalies);
    this.name = settings.name;
    this.apiKeyVariable = settings.apiKeyVariable ?? null;
    this.timeouts = { firstTokenMs: settings.firstTokenTimeoutMs, idleMs: settings.idleTimeoutMs };
    this.unsuffixedWindows = settings.rateLimitWindows ?? ({ requests: 'day', tokens: 'minute' } as const);
    this.unsupportedParameters = new Set(settings.unsupportedParameters ?? []);
    // With DEBUG=true the SDK console.logs every request, Authorization header included.
    if (settings.apiKey && process.env.DEBUG === 'true') {
      new Logger(CerebrasAdapter.name).warn('Ignoring DEBUG=true: the Cerebras SDK would log the API key.');
      delete process.env.DEBUG;
    }
    this.client = settings.apiKey
      ? new Cerebras({
          apiKey: settings.apiKey,
          baseURL: settings.baseUrl ?? null,
          defaultHeaders: settings.headers,
          maxRetries: 0,
          fetch: createUpstreamFetch(this.reportAnomaly) as unknown as NonNullable<ConstructorParameters<typeof Cerebras>[0]>['fetch'],
          // Otherwise the constructor fires a request with the key at start-up.
          warmTCPConnection: false,
        })
      : null;
  }

  get configured(): boolean {
    return this.client !== null;
  }

  protected send(body: Record<string, unknown>, signal: AbortSignal): Promise<RawResponse> {
    const params = body as unknown as Cerebras.ChatCompletionCreateParams;
    return this.client!.chat.completions.create(params, { signal }).asResponse() as unknown as Promise<RawResponse>;
  }

  protected requestModelList(signal: AbortSignal): Promise<unknown> {
    return this.client!.models.list({ signal });
  }

  // Cerebras has no `include_reasoning`: `reasoning_format` says it all.
  protected reasoningFields(delivery: ReasoningDelivery): Record<string, unknown> {
    return { reasoning_format: delivery === 'separate' ? 'parsed' : delivery };
  }

  protected inspectSdkError(error: unknown): SdkFailure {
    return inspectSdkError(error, Cerebras);
  }
}
