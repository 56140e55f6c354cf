import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import { ModelsService } from '../models/models.service.js';
import { ChatTelemetry } from '../telemetry/chat-telemetry.js';
import { Clock } from '../usage/clock.js';
import { UsageService } from '../usage/usage.service.js';
import type { DashboardDataDto } from './dto/dashboard-data.dto.js';
import { RequestHistory } from './request-history.js';
import { TrafficSeries } from './traffic-series.js';

/**
 * What the dashboard shows: the state of every deployment and its windows (the same reports as
 * GET /models and GET /usage), and what this replica saw happen: the last requests and the
 * traffic of the last minutes, recorded from the chat telemetry.
 */
@Injectable()
export class DashboardService implements OnModuleInit {
  private readonly history = new RequestHistory();
  private readonly traffic = new TrafficSeries();
  private readonly openGateway: boolean;

  constructor(
    private readonly telemetry: ChatTelemetry,
    private readonly models: ModelsService,
    private readonly usage: UsageService,
    private readonly clock: Clock,
    config: ConfigService<Environment, true>,
  ) {
    this.openGateway = !config.get('GATEWAY_API_KEYS', { infer: true });
  }

  onModuleInit(): void {
    this.telemetry.subscribe({
      requestFinished: (summary) => {
        const now = this.clock.now();
        this.history.add(summary, now);
        this.traffic.requestFinished(summary, now);
      },
      fellBack: () => this.traffic.fellBack(this.clock.now()),
    });
  }

  async data(): Promise<DashboardDataDto> {
    const [models, usage] = await Promise.all([this.models.list(), this.usage.report()]);
    const now = this.clock.now();
    return {
      generatedAt: new Date(now).toISOString(),
      openGateway: this.openGateway,
      models,
      usage,
      recentRequests: this.history.list(),
      traffic: this.traffic.minutes(now),
    };
  }
}
