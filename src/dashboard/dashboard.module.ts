import { Module, type DynamicModule } from '@nestjs/common';
import { ModelsModule } from '../models/models.module.js';
import { ClockModule } from '../usage/clock.module.js';
import { DashboardPage } from './dashboard-page.js';
import { DashboardPageController } from './dashboard-page.controller.js';
import { DashboardController } from './dashboard.controller.js';
import { DashboardService } from './dashboard.service.js';

/**
 * The operator's dashboard: GET /dashboard (the page) and GET /dashboard/data. Its usage report comes from the module the app module built for
 * GET /usage (handed in, like the access module is handed to that one).
 */
@Module({})
export class DashboardModule {
  static forRoot(usageReport: DynamicModule): DynamicModule {
    return {
      module: DashboardModule,
      imports: [ModelsModule, ClockModule, usageReport],
      controllers: [DashboardPageController, DashboardController],
      // The page's files are read once, at start-up.
      providers: [DashboardService, { provide: DashboardPage, useFactory: () => new DashboardPage() }],
    };
  }
}
