import { Module } from '@nestjs/common';
import { PROVIDER_SETTINGS } from '../config/gateway-config.module.js';
import type { ProviderKind, ProviderSettings } from '../config/provider-config.js';
import { CerebrasAdapter } from './cerebras.adapter.js';
import { GroqAdapter } from './groq.adapter.js';
import { PROVIDER_ADAPTERS, type ProviderAdapter } from './provider-adapter.js';
import { ProviderRegistry } from './provider-registry.js';
import { UpstreamAnomalies } from './upstream-anomalies.js';

type AdapterClass = new (settings: ProviderSettings, anomalies: UpstreamAnomalies) => ProviderAdapter;

/**
 * The adapter class of each provider kind. Adding a dialect: a new adapter file and one line here.
 * The `openai` SDK is loaded only when a provider of its kind is configured (it adds ~6 MB to an
 * idle process that serves only Groq and Cerebras).
 */
const ADAPTER_KINDS: Record<ProviderKind, () => Promise<AdapterClass>> = {
  groq: () => Promise.resolve(GroqAdapter),
  cerebras: () => Promise.resolve(CerebrasAdapter),
  'openai-compatible': async () => (await import('./openai-api.adapter.js')).OpenAiApiAdapter,
};

/** Every provider the gateway talks to: the built-in ones and those the catalog file declares. */
@Module({
  providers: [
    UpstreamAnomalies,
    {
      provide: PROVIDER_ADAPTERS,
      inject: [PROVIDER_SETTINGS, UpstreamAnomalies],
      useFactory: (providers: ProviderSettings[], anomalies: UpstreamAnomalies): Promise<ProviderAdapter[]> =>
        Promise.all(providers.map(async (settings) => new (await ADAPTER_KINDS[settings.kind]())(settings, anomalies))),
    },
    ProviderRegistry,
  ],
  exports: [ProviderRegistry, UpstreamAnomalies],
})
export class ProvidersModule {}
