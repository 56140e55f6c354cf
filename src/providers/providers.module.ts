import { Module, type Type } from '@nestjs/common';
import { CerebrasAdapter } from './cerebras.adapter.js';
import { GroqAdapter } from './groq.adapter.js';
import { PROVIDER_ADAPTERS, type ProviderAdapter } from './provider-adapter.js';
import { ProviderRegistry } from './provider-registry.js';

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
  ],
  exports: [ProviderRegistry],
})
export class ProvidersModule {}
