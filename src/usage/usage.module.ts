import { Module } from '@nestjs/common';
import { circuitBreakerSettingsProvider } from './circuit-breaker.provider.js';
import { ClockModule } from './clock.module.js';
import { FailureLearning } from './failure-learning.js';
import { UsageTracker } from './usage-tracker.service.js';

/** Routing's view of usage (the tracker) and failure learning, over the LimitStore bound for the whole app (LimitsModule). */
@Module({
  imports: [ClockModule],
  providers: [circuitBreakerSettingsProvider, UsageTracker, FailureLearning],
  exports: [UsageTracker, ClockModule, FailureLearning],
})
export class UsageModule {}
