import { Module } from '@nestjs/common';
import { circuitBreakerSettingsProvider } from './circuit-breaker.provider.js';
import { ClockModule } from './clock.module.js';
import { FailureLearning } from './failure-learning.js';
import { UsageController } from './usage.controller.js';
import { UsageTracker } from './usage-tracker.service.js';
import { UsageService } from './usage.service.js';

/** Routing's view of usage and GET /usage, over the LimitStore bound for the whole app (LimitsModule). */
@Module({
  imports: [ClockModule],
  controllers: [UsageController],
  providers: [circuitBreakerSettingsProvider, UsageTracker, UsageService, FailureLearning],
  exports: [UsageTracker, ClockModule, FailureLearning],
})
export class UsageModule {}
