import { Module } from '@nestjs/common';
import { SharedLimits } from '../redis/shared-limits.js';
import { circuitBreakerSettingsProvider } from './circuit-breaker.provider.js';
import { Clock, SystemClock } from './clock.js';
import { FailureLearning } from './failure-learning.js';
import { UsageController } from './usage.controller.js';
import { UsageTracker } from './usage-tracker.service.js';
import { UsageService } from './usage.service.js';

@Module({
  controllers: [UsageController],
  providers: [{ provide: Clock, useClass: SystemClock }, circuitBreakerSettingsProvider, SharedLimits, UsageTracker, UsageService, FailureLearning],
  exports: [UsageTracker, Clock, SharedLimits, FailureLearning],
})
export class UsageModule {}
