import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { UsageController } from './usage.controller.js';
import { UsageModule } from './usage.module.js';
import { UsageService } from './usage.service.js';

/**
 * GET /usage. Its per-key section comes from whichever module provides ClientUsageReport (the
 * access module), handed in by the app module: the composition root wires the two, so usage/
 * never imports access/ and neither module needs to be global.
 */
@Module({})
export class UsageReportModule {
  static forRoot(clientUsage: Type | DynamicModule): DynamicModule {
    return {
      module: UsageReportModule,
      imports: [UsageModule, clientUsage],
      controllers: [UsageController],
      providers: [UsageService],
      exports: [UsageService],
    };
  }
}
