import { Module } from '@nestjs/common';
import { PROVIDER_SETTINGS } from '../config/gateway-config.module.js';
import type { ProviderKind, ProviderSettings } from '../config/provider-config.js';
import { CerebrasAdapter } from './cerebras.adapter.js';
import { GroqAdapter } from './groq.adapter.js';
import { OpenAiApiAdapter } from './openai-api.adapter.js';
import { PROVIDER_ADAPTERS, type ProviderAdapter } from './provider-adapter.js';
import { ProviderRegistry } from './provider-registry.js';
import { UpstreamAnomalies } from './upstream-anomalies.js';

/** The adapter class of each provider kind. Adding a dialect: a new adapter file and one line here. */
const ADAPTER_KINDS: Record<ProviderKind, new (settings: ProviderSettings, anomalies: UpstreamAnomalies) => ProviderAdapter> = {
  groq: GroqAdapter,
  cerebras: CerebrasAdapter,
  'openai-compatible': OpenAiApiAdapter,
};

/** Every provider the gateway talks to: the built-in ones and those the catalog file declares. */
@Module({
  providers: [
    UpstreamAnomalies,
    {
      provide: PROVIDER_ADAPTERS,
      inject: [PROVIDER_SETTINGS, UpstreamAnomalies],
      useFactory: (providers: ProviderSettings[], anomalies: UpstreamAnomalies): ProviderAdapter[] =>
        providers.map((settings) => new ADAPTER_KINDS[settings.kind](settings, anomalies)),
    },
    ProviderRegistry,
  ],
  exports: [ProviderRegistry, UpstreamAnomalies],
})
export class ProvidersModule {}
