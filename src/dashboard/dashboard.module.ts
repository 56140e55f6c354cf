import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ModelsModule } from '../models/models.module.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { ActivityStore, InMemoryActivityStore } from './activity-store.js';
import { ClockModule } from '../usage/clock.module.js';
import { DashboardPage } from './dashboard-page.js';
import { DashboardPageController } from './dashboard-page.controller.js';
import { DashboardController } from './dashboard.controller.js';
import { DashboardService } from './dashboard.service.js';
import { RECENT_REQUESTS } from './request-history.js';
import { SharedActivityStore } from './shared-activity-store.js';
import { MINUTE_MS, SERIES_MINUTES } from './traffic-series.js';

/** This replica's own record of traffic; with REDIS_URL, every replica's (this one's kept for outages). */
const activityStoreProvider: Provider = {
  provide: ActivityStore,
  inject: [RedisConnection],
  useFactory: (connection: RedisConnection): ActivityStore => {
    const local = new InMemoryActivityStore();
    const log = connection.activityLog({
      requestsKept: RECENT_REQUESTS,
      samplesPerMinute: 5_000,
      minuteTtlMs: (SERIES_MINUTES + 1) * MINUTE_MS,
      requestsTtlMs: 24 * 60 * MINUTE_MS,
    });
    return log ? new SharedActivityStore(log, connection, local) : local;
  },
};

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
      providers: [DashboardService, activityStoreProvider, { provide: DashboardPage, useFactory: () => new DashboardPage() }],
    };
  }
}
