import { Module } from '@nestjs/common';
import { circuitBreakerSettingsProvider } from './circuit-breaker.provider.js';
import { ClockModule } from './clock.module.js';
import { UsageController } from './usage.controller.js';
import { UsageTracker } from './usage-tracker.service.js';
import { UsageService } from './usage.service.js';

/** Routing's view of usage and GET /usage, over the LimitStore bound for the whole app (LimitsModule). */
@Module({
  imports: [ClockModule],
  controllers: [UsageController],
  providers: [circuitBreakerSettingsProvider, UsageTracker, UsageService],
  exports: [UsageTracker, ClockModule],
})
export class UsageModule {}
