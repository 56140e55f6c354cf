import { Module, type Type } from '@nestjs/common';
import { CerebrasAdapter } from './cerebras.adapter.js';
import { GroqAdapter } from './groq.adapter.js';
import { PROVIDER_ADAPTERS, type ProviderAdapter } from './provider-adapter.js';
import { ProviderRegistry } from './provider-registry.js';
import { UpstreamAnomalies } from './upstream-anomalies.js';

/** Every provider the gateway can talk to. Adding one: a new adapter file and one line here. */
const ADAPTERS: Type<ProviderAdapter>[] = [GroqAdapter, CerebrasAdapter];

@Module({
  providers: [
    ...ADAPTERS,
    {
      provide: PROVIDER_ADAPTERS,
      useFactory: (...adapters: ProviderAdapter[]) => adapters,
      inject: ADAPTERS,
    },
    ProviderRegistry,
    UpstreamAnomalies,
  ],
  exports: [ProviderRegistry, UpstreamAnomalies],
})
export class ProvidersModule {}
