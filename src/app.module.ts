import { Module, type DynamicModule } from '@nestjs/common';
import { AccessModule } from './access/access.module.js';
import { ChatModule } from './chat/chat.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { ExchangeHooksModule } from './common/http/exchange-hooks.js';
import type { Logger } from 'pino';
import type { Environment } from './config/environment.js';
import { GatewayConfigModule } from './config/gateway-config.module.js';
import { HealthModule } from './health/health.module.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ModelsModule } from './models/models.module.js';
import { OpenAiModule } from './openai/openai.module.js';
import { ProvidersModule } from './providers/providers.module.js';
import { ResponsesModule } from './responses/responses.module.js';
import { LimitsModule } from './redis/limits.module.js';
import { TelemetryModule } from './telemetry/telemetry.module.js';
import { UsageReportModule } from './usage/usage-report.module.js';

@Module({})
export class AppModule {
  static forRoot(environment: Environment, log: Logger, variables: Readonly<Record<string, string | undefined>>): DynamicModule {
    const access = AccessModule.forRoot(environment);
    const usageReport = UsageReportModule.forRoot(access);
    return {
      module: AppModule,
      imports: [
        ExchangeHooksModule,
        GatewayConfigModule.forRoot(environment, variables),
        LimitsModule,
        access,
        TelemetryModule,
        LoggingModule.forRoot(log),
        MetricsModule,
        LifecycleModule,
        ProvidersModule,
        usageReport,
        ModelsModule,
        ChatModule,
        OpenAiModule,
        ResponsesModule,
        HealthModule,
        DashboardModule.forRoot(usageReport),
      ],
    };
  }
}
