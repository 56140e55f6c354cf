import { ModelLimitsSchema } from '../../config/model-limits.dto.js';

export class WindowUsageDto {
  /** When this window started (ISO 8601; windows are aligned to UTC). */
  start: string;
  /** When it resets (ISO 8601). */
  resetsAt: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Tokens held by requests still in flight. */
  reservedTokens: number;
  /** The configured request limit for this window, if any. */
  requestLimit?: number;
  /** The configured token limit for this window, if any. */
  tokenLimit?: number;
}

export class UsageWindowsDto {
  minute: WindowUsageDto;
  hour: WindowUsageDto;
  day: WindowUsageDto;
}

export class UsageCountersDto {
  /** Requests sent upstream. */
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Answers that ended with `done`. */
  completed: number;
  /** Attempts that failed, before or after the first token. */
  failures: number;
  /** Times a request moved on from this model to another. */
  fallbacks: number;
  /** Answers stopped because the client went away. */
  cancellations: number;
  /** Requests this model turned away because a limit or cooldown was in force. */
  limited: number;
  /** Requests in flight now. */
  inFlight: number;
}

export class ModelUsageDto {
  id: string;
  /** The public model id this deployment serves. */
  model: string;
  provider: string;
  key: string;
  configuredLimits: ModelLimitsSchema;
  windows: UsageWindowsDto;
  totals: UsageCountersDto;
}

export class GroupUsageDto {
  /** The public model id. */
  model: string;
  /** Its deployments (`provider/id`). */
  deployments: string[];
  /** Its deployments added up. */
  totals: UsageCountersDto;
}

export class ClientMinuteDto {
  /** When this minute started (ISO 8601, UTC). */
  start: string;
  /** When it resets (ISO 8601). */
  resetsAt: string;
  /** Chat requests admitted with this key in this minute. */
  requests: number;
  /** The key's requestsPerMinute, if it has one. */
  requestLimit?: number;
}

export class ClientDayDto {
  /** When this UTC day started (ISO 8601). */
  start: string;
  /** When it resets (ISO 8601). */
  resetsAt: string;
  /** Prompt and completion tokens of this key's requests that finished today. */
  tokens: number;
  /** The key's tokensPerDay, if it has one. */
  tokenLimit?: number;
}

export class ClientUsageDto {
  /** The access key's name in GATEWAY_API_KEYS (never the key or its hash). */
  name: string;
  /** Chat requests admitted with this key since start. */
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Chat requests refused by this key's own limits (requestsPerMinute, tokensPerDay). */
  rejected: number;
  minute: ClientMinuteDto;
  day: ClientDayDto;
}

export class UsageReportDto {
  /** Start of the totals (process start, ISO 8601). */
  since: string;
  /** Per deployment. */
  models: ModelUsageDto[];
  /** Per public model id. */
  groups: GroupUsageDto[];
  /** All models added up. */
  totals: UsageCountersDto;
  /** Per access key (GATEWAY_API_KEYS), as counted by this replica; empty when the gateway is open. */
  clients: ClientUsageDto[];
}
