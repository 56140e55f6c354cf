import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { Environment } from './environment.js';
import { loadModelCatalog } from './model-catalog.loader.js';
import { ModelCatalog } from './model-catalog.js';

/** The validated environment (as ConfigService) and the model catalog, for every module. */
@Module({})
export class GatewayConfigModule {
  static forRoot(environment: Environment): DynamicModule {
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
      providers: [{ provide: ModelCatalog, useValue: new ModelCatalog(loadModelCatalog(environment.MODELS_FILE)) }],
      exports: [ModelCatalog],
    };
  }
}
