import type { ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import type { FirstTokenLatencyDto, RecentRequestDto, TrafficMinuteDto } from './dto/dashboard-data.dto.js';
import { RequestHistory } from './request-history.js';
import { recentAnswers, TrafficSeries, type TrafficMinute } from './traffic-series.js';

/** Whose traffic a read shows: this replica's, or every replica's (through Redis). */
export type ActivityScope = 'replica' | 'shared';

/** What the dashboard recorded of recent traffic, as one read returns it. */
export interface ActivityView {
  scope: ActivityScope;
  recentRequests: RecentRequestDto[];
  traffic: TrafficMinuteDto[];
  recentAnswers: FirstTokenLatencyDto[];
}

/** A read's traffic: the minutes' figures, and each deployment's over the last minutes' answers. */
export function trafficView(minutes: readonly TrafficMinute[]): Pick<ActivityView, 'traffic' | 'recentAnswers'> {
  return { traffic: minutes.map((minute) => minute.view), recentAnswers: recentAnswers(minutes) };
}

/** Where the dashboard keeps the last finished requests and the per-minute traffic. */
export abstract class ActivityStore {
  abstract requestFinished(summary: ChatRequestSummary, now: number): void;
  abstract fellBack(now: number): void;
  abstract cacheLookup(now: number, result: 'hit' | 'miss', bytes?: number): void;
  abstract read(now: number): Promise<ActivityView>;
}

/** This replica's own traffic, in memory. */
export class InMemoryActivityStore extends ActivityStore {
  private readonly history = new RequestHistory();
  private readonly traffic = new TrafficSeries();

  requestFinished(summary: ChatRequestSummary, now: number): void {
    this.history.add(summary, now);
    this.traffic.requestFinished(summary, now);
  }

  fellBack(now: number): void {
    this.traffic.fellBack(now);
  }

  cacheLookup(now: number, result: 'hit' | 'miss', bytes = 0): void {
    this.traffic.cacheLookup(now, result, bytes);
  }

  read(now: number): Promise<ActivityView> {
    return Promise.resolve({ scope: 'replica', recentRequests: this.history.list(), ...trafficView(this.traffic.minutes(now)) });
  }
}
