import { Module, type DynamicModule } from '@nestjs/common';
import { ChatModule } from './chat/chat.module.js';
import type { Environment } from './config/environment.js';
import { GatewayConfigModule } from './config/gateway-config.module.js';
import { HealthModule } from './health/health.module.js';
import { ModelsModule } from './models/models.module.js';
import { OpenAiModule } from './openai/openai.module.js';
import { ProvidersModule } from './providers/providers.module.js';
import { UsageModule } from './usage/usage.module.js';

@Module({})
export class AppModule {
  static forRoot(environment: Environment): DynamicModule {
    return {
      module: AppModule,
      imports: [
        GatewayConfigModule.forRoot(environment),
        ProvidersModule,
        UsageModule,
        ModelsModule,
        ChatModule,
        OpenAiModule,
        HealthModule,
      ],
    };
  }
}
