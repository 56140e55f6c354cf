import type { ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import type { RecentRequestDto } from './dto/dashboard-data.dto.js';

/** How many finished requests the dashboard lists. */
export const RECENT_REQUESTS = 100;

/**
 * The last finished chat requests, newest first, as the dashboard lists them: who (the key's
 * name), what was asked, which deployment answered after which failures, timings, tokens and the
 * outcome. Never message content, never a key: a summary carries neither.
 */
export class RequestHistory {
  private readonly entries: RecentRequestDto[] = [];
  private next = 0;

  constructor(private readonly capacity = RECENT_REQUESTS) {}

  add(summary: ChatRequestSummary, finishedAt: number): void {
    const entry = recentRequest(summary, finishedAt);
    // A ring: the oldest entry is overwritten once the list is full.
    this.entries[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Newest first. */
  list(): RecentRequestDto[] {
    const full = this.entries.length === this.capacity;
    const ordered = full ? [...this.entries.slice(this.next), ...this.entries.slice(0, this.next)] : [...this.entries];
    return ordered.reverse();
  }
}

/** A finished request as the dashboard lists it. */
export function recentRequest(summary: ChatRequestSummary, finishedAt: number): RecentRequestDto {
  return {
    finishedAt: new Date(finishedAt).toISOString(),
    requestId: summary.requestId,
    route: summary.route,
    client: summary.client,
    requestedModel: summary.requestedModel,
    deployment: summary.deployment ? `${summary.deployment.provider}/${summary.deployment.model}` : null,
    failedAttempts: summary.failedAttempts.map(({ provider, model, error }) => ({ deployment: `${provider}/${model}`, reason: error })),
    timeToFirstTokenMs: summary.timeToFirstTokenMs === null ? null : Math.round(summary.timeToFirstTokenMs),
    durationMs: Math.round(summary.durationMs),
    promptTokens: summary.promptTokens,
    completionTokens: summary.completionTokens,
    outcome: summary.outcome,
    errorCode: summary.errorCode,
    cache: summary.cache,
  };
}
