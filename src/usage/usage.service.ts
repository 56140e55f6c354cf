import { Injectable } from '@nestjs/common';
import { ModelCatalog } from '../config/model-catalog.js';
import type { ModelLimits } from '../config/models.js';
import type { GroupUsageDto, ModelUsageDto, UsageCountersDto, UsageReportDto, WindowUsageDto } from './dto/usage-report.dto.js';
import { UsageTracker, emptyCounters } from './usage-tracker.service.js';
import type { UsageWindow, WindowName } from './usage-window.js';

const LIMIT_FIELDS: Record<WindowName, [keyof ModelLimits, keyof ModelLimits]> = {
  minute: ['requestsPerMinute', 'tokensPerMinute'],
  hour: ['requestsPerHour', 'tokensPerHour'],
  day: ['requestsPerDay', 'tokensPerDay'],
};

/** Builds the report of GET /usage. */
@Injectable()
export class UsageService {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly tracker: UsageTracker,
  ) {}

  report(): UsageReportDto {
    const models = this.catalog.deployments.map((deployment): ModelUsageDto => {
      const windows = this.tracker.windows(deployment.key);
      const view = (name: WindowName): WindowUsageDto =>
        windowView(windows[name], deployment.limits[LIMIT_FIELDS[name][0]], deployment.limits[LIMIT_FIELDS[name][1]]);
      return {
        id: deployment.id,
        model: deployment.model,
        provider: deployment.provider,
        key: deployment.key,
        configuredLimits: deployment.limits,
        windows: { minute: view('minute'), hour: view('hour'), day: view('day') },
        totals: this.tracker.counters(deployment.key),
      };
    });
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
    };
  }
}

function windowView(window: UsageWindow, requestLimit?: number, tokenLimit?: number): WindowUsageDto {
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
