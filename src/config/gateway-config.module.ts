import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { Environment } from './environment.js';
import { loadModelCatalog } from './model-catalog.loader.js';
import { ModelCatalog } from './model-catalog.js';
import { resolveProviders, type ProviderSettings } from './provider-config.js';

/** Injection token: every provider in force, with its key (ProviderSettings[]). */
export const PROVIDER_SETTINGS = Symbol('PROVIDER_SETTINGS');

/**
 * The validated environment (as ConfigService), the model catalog and the providers, for every
 * module. `variables`: the raw environment, where a provider's key variable is read.
 */
@Module({})
export class GatewayConfigModule {
  static forRoot(environment: Environment, variables: Readonly<Record<string, string | undefined>>): DynamicModule {
    const catalog = loadModelCatalog(environment.MODELS_FILE);
    const providers: ProviderSettings[] = resolveProviders(catalog.providers, {
      variable: (name) => (name === 'GROQ_API_KEY' ? environment.GROQ_API_KEY : name === 'CEREBRAS_API_KEY' ? environment.CEREBRAS_API_KEY : variables[name] || undefined),
      groqBaseUrl: environment.GROQ_BASE_URL,
      cerebrasBaseUrl: environment.CEREBRAS_BASE_URL,
    });
    return {
      module: GatewayConfigModule,
      global: true,
      imports: [
        // Validated once, before the app is built. ConfigService serves exactly these typed
        // values: no second look at process.env, and nothing written back to it.
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          validatePredefined: false,
          skipProcessEnv: true,
          load: [() => environment],
        }),
      ],
      providers: [
        { provide: ModelCatalog, useValue: new ModelCatalog(catalog.models) },
        { provide: PROVIDER_SETTINGS, useValue: providers },
      ],
      exports: [ModelCatalog, PROVIDER_SETTINGS],
    };
  }
}
