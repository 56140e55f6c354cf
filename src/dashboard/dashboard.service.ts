import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import { ModelsService } from '../models/models.service.js';
import { ChatTelemetry } from '../telemetry/chat-telemetry.js';
import { Clock } from '../usage/clock.js';
import { UsageService } from '../usage/usage.service.js';
import type { DashboardDataDto } from './dto/dashboard-data.dto.js';
import { ActivityStore } from './activity-store.js';

/**
 * What the dashboard shows: the state of every deployment and its windows (the same reports as
 * GET /models and GET /usage), and what happened: the last requests and the traffic of the last
 * minutes, recorded from the chat telemetry (this replica's, or every replica's with REDIS_URL).
 */
@Injectable()
export class DashboardService implements OnModuleInit {
  private readonly openGateway: boolean;
  private readonly cacheMode: DashboardDataDto['cacheMode'];

  constructor(
    private readonly telemetry: ChatTelemetry,
    private readonly activity: ActivityStore,
    private readonly models: ModelsService,
    private readonly usage: UsageService,
    private readonly clock: Clock,
    config: ConfigService<Environment, true>,
  ) {
    this.openGateway = !config.get('GATEWAY_API_KEYS', { infer: true });
    this.cacheMode = config.get('CACHE', { infer: true });
  }

  onModuleInit(): void {
    this.telemetry.subscribe({
      requestFinished: (summary) => this.activity.requestFinished(summary, this.clock.now()),
      fellBack: () => this.activity.fellBack(this.clock.now()),
      cacheHit: (_route, bytes) => this.activity.cacheLookup(this.clock.now(), 'hit', bytes),
      cacheMiss: () => this.activity.cacheLookup(this.clock.now(), 'miss'),
    });
  }

  async data(): Promise<DashboardDataDto> {
    const now = this.clock.now();
    const [models, usage, activity] = await Promise.all([this.models.list(), this.usage.report(), this.activity.read(now)]);
    return {
      generatedAt: new Date(now).toISOString(),
      openGateway: this.openGateway,
      models,
      usage,
      activityScope: activity.scope,
      cacheMode: this.cacheMode,
      recentRequests: activity.recentRequests,
      traffic: activity.traffic,
      recentAnswers: activity.recentAnswers,
    };
  }
}
