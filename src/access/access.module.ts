import { Logger, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import type { Environment } from '../config/environment.js';
import { ModelCatalog } from '../config/model-catalog.js';
import { ClientUsageReport } from '../usage/client-usage-report.js';
import { ClockModule } from '../usage/clock.module.js';
import { AccessGuard } from './access.guard.js';
import { AccessKeys } from './access-keys.js';
import { loadAccessKeys } from './access-keys.loader.js';
import { ClientUsage } from './client-usage.js';

/**
 * Client access keys (GATEWAY_API_KEYS): the guard in front of every route (an app-wide guard
 * needs no export), and each key's limits and usage, exported as the ClientUsageReport that the
 * app module hands to GET /usage.
 */
@Module({})
export class AccessModule implements OnModuleInit {
  private readonly logger = new Logger('Access');

  constructor(
    private readonly keys: AccessKeys,
    private readonly catalog: ModelCatalog,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  /** Reads and validates the keys file before the app is built: a bad file stops start-up. */
  static forRoot(environment: Environment): DynamicModule {
    const keysFile = environment.GATEWAY_API_KEYS;
    return {
      module: AccessModule,
      // Global: the keys are the whole app's (the chat module's cache shortcut checks them too).
      global: true,
      // The Clock the usage windows use, so per-key minutes and days roll with theirs.
      imports: [ClockModule],
      providers: [
        { provide: AccessKeys, useValue: new AccessKeys(loadAccessKeys(keysFile)) },
        ClientUsage,
        { provide: ClientUsageReport, useExisting: ClientUsage },
        { provide: APP_GUARD, useClass: AccessGuard },
      ],
      exports: [ClientUsageReport, AccessKeys, ClientUsage],
    };
  }

  onModuleInit(): void {
    if (!this.keys.required) {
      this.logger.warn('GATEWAY_API_KEYS is unset, so the gateway is open: anyone who can reach it can spend the provider quota; set GATEWAY_API_KEYS');
      return;
    }
    // Needs the catalog, which is only known once the config module is built.
    this.keys.checkModels(this.catalog, `GATEWAY_API_KEYS=${this.config.get('GATEWAY_API_KEYS', { infer: true })}`);
  }
}
