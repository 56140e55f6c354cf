import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Cerebras from '@cerebras/cerebras_cloud_sdk';
import type { Environment } from '../config/environment.js';
import { UpstreamAnomalies } from './upstream-anomalies.js';
import { createUpstreamFetch } from './upstream-fetch.js';
import { OpenAiCompatibleAdapter, inspectSdkError, type RawResponse, type SdkFailure } from './openai-compatible.adapter.js';
import type { ReasoningDelivery } from './provider-adapter.js';

@Injectable()
export class CerebrasAdapter extends OpenAiCompatibleAdapter {
  readonly name = 'cerebras';
  readonly apiKeyVariable = 'CEREBRAS_API_KEY';
  protected readonly unsuffixedWindows = { requests: 'day', tokens: 'minute' } as const;
  // Cerebras takes every optional parameter the gateway sends.
  protected readonly unsupportedParameters = new Set<string>();
  private readonly client: Cerebras | null;

  constructor(config: ConfigService<Environment, true>, anomalies: UpstreamAnomalies) {
    super(anomalies);
    const apiKey = config.get('CEREBRAS_API_KEY', { infer: true });
    // With DEBUG=true the SDK console.logs every request, Authorization header included.
    if (apiKey && process.env.DEBUG === 'true') {
      new Logger(CerebrasAdapter.name).warn('Ignoring DEBUG=true: the Cerebras SDK would log the API key.');
      delete process.env.DEBUG;
    }
    this.client = apiKey
      ? new Cerebras({
          apiKey,
          baseURL: config.get('CEREBRAS_BASE_URL', { infer: true }) ?? null,
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

  // Cerebras has no `include_reasoning`: `reasoning_format` says it all.
  protected reasoningFields(delivery: ReasoningDelivery): Record<string, unknown> {
    return { reasoning_format: delivery === 'separate' ? 'parsed' : delivery };
  }

  protected inspectSdkError(error: unknown): SdkFailure {
    return inspectSdkError(error, Cerebras);
  }
}
