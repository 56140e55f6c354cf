import { Inject, Injectable } from '@nestjs/common';
import { PROVIDER_ADAPTERS, type ProviderAdapter } from './provider-adapter.js';

/** Looks adapters up by provider name. */
@Injectable()
export class ProviderRegistry {
  private readonly byName: ReadonlyMap<string, ProviderAdapter>;

  constructor(@Inject(PROVIDER_ADAPTERS) adapters: ProviderAdapter[]) {
    this.byName = new Map(adapters.map((adapter) => [adapter.name, adapter]));
  }

  get(name: string): ProviderAdapter | undefined {
    return this.byName.get(name);
  }

  all(): ProviderAdapter[] {
    return [...this.byName.values()];
  }
}
