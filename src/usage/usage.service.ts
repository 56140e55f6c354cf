import { Injectable } from '@nestjs/common';
import { ModelCatalog } from '../config/model-catalog.js';
import { ClientUsageReport, type ClientUsageSnapshot } from './client-usage-report.js';
import type { ClientUsageDto, GroupUsageDto, ModelUsageDto, UsageCountersDto, UsageReportDto, WindowUsageDto } from './dto/usage-report.dto.js';
import { emptyCounters, LimitStore, type WindowCounts } from './limit-store.js';
import { UsageTracker } from './usage-tracker.service.js';
import { LIMIT_FIELDS, type WindowName } from './usage-window.js';

/** Builds the report of GET /usage. */
@Injectable()
export class UsageService {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly tracker: UsageTracker,
    private readonly store: LimitStore,
    private readonly clients: ClientUsageReport,
  ) {}

  /** With REDIS_URL, windows and totals are those every replica shares; else this process's own. */
  async report(): Promise<UsageReportDto> {
    const models = await Promise.all(this.catalog.deployments.map(async (deployment): Promise<ModelUsageDto> => {
      const { windows, totals } = await this.store.deploymentUsage(deployment.key);
      const view = (name: WindowName): WindowUsageDto =>
        windowView(windows[name], deployment.limits[LIMIT_FIELDS[name].requests], deployment.limits[LIMIT_FIELDS[name].tokens]);
      return {
        id: deployment.id,
        model: deployment.model,
        provider: deployment.provider,
        key: deployment.key,
        configuredLimits: deployment.limits,
        windows: { minute: view('minute'), hour: view('hour'), day: view('day') },
        totals,
      };
    }));
    const groups = [...this.catalog.groups].map(([model, deployments]): GroupUsageDto => {
      const keys = new Set(deployments.map((deployment) => deployment.key));
      const members = models.filter((entry) => keys.has(entry.key));
      return { model, deployments: [...keys], totals: sumCounters(members.map((entry) => entry.totals)) };
    });
    return {
      since: new Date(this.tracker.since).toISOString(),
      models,
      groups,
      totals: sumCounters(models.map((model) => model.totals)),
      clients: (await this.clients.snapshot()).map(clientView),
    };
  }
}

function clientView({ name, limits, requests, promptTokens, completionTokens, rejected, minute, day }: ClientUsageSnapshot): ClientUsageDto {
  return {
    name,
    requests,
    promptTokens,
    completionTokens,
    rejected,
    minute: {
      start: new Date(minute.start).toISOString(),
      resetsAt: new Date(minute.end).toISOString(),
      requests: minute.requests,
      ...(limits.requestsPerMinute !== undefined ? { requestLimit: limits.requestsPerMinute } : {}),
    },
    day: {
      start: new Date(day.start).toISOString(),
      resetsAt: new Date(day.end).toISOString(),
      tokens: day.tokens,
      ...(limits.tokensPerDay !== undefined ? { tokenLimit: limits.tokensPerDay } : {}),
    },
  };
}

function windowView(window: WindowCounts, requestLimit?: number, tokenLimit?: number): WindowUsageDto {
  return {
    start: new Date(window.start).toISOString(),
    resetsAt: new Date(window.end).toISOString(),
    requests: window.requests,
    promptTokens: window.promptTokens,
    completionTokens: window.completionTokens,
    reservedTokens: window.reservedTokens,
    ...(requestLimit !== undefined ? { requestLimit } : {}),
    ...(tokenLimit !== undefined ? { tokenLimit } : {}),
  };
}

function sumCounters(all: UsageCountersDto[]): UsageCountersDto {
  const total: UsageCountersDto = { ...emptyCounters(), inFlight: 0 };
  for (const counters of all) {
    for (const key of Object.keys(total) as Array<keyof UsageCountersDto>) total[key] += counters[key];
  }
  return total;
}
