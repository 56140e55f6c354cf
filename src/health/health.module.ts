import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ModelsModule } from '../models/models.module.js';
import { UsageModule } from '../usage/usage.module.js';
import { LifecycleHealthIndicator } from '../lifecycle/lifecycle-health.indicator.js';
import { HealthController } from './health.controller.js';
import { ModelsHealthIndicator } from './models-health.indicator.js';
import { Readiness } from './readiness.service.js';
import { RedisHealthIndicator } from './redis-health.indicator.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ModelsModule, UsageModule],
  controllers: [HealthController],
  providers: [Readiness, ModelsHealthIndicator, RedisHealthIndicator, LifecycleHealthIndicator],
})
export class HealthModule {}
