import type { Deployment } from '../config/model-catalog.js';
import type { TokenUsage } from '../providers/provider-adapter.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { Clock } from './clock.js';
import {
  emptyCounters,
  LimitStore,
  Reservation,
  type AdmissionGate,
  type AttemptOutcome,
  type CandidatePlan,
  type ClientAdmission,
  type ClientCounts,
  type ClientLimits,
  type DeploymentCounters,
  type DeploymentUsage,
  type FirstReservation,
  type OwnLimits,
  type Refusal,
  type ReserveResult,
  type RoutingState,
} from './limit-store.js';
import { providerExhaustion } from './provider-exhaustion.js';
import { LIMIT_FIELDS, UsageWindow, WINDOW_NAMES, type WindowName } from './usage-window.js';

interface DeploymentState {
  windows: Record<WindowName, UsageWindow>;
  totals: DeploymentCounters;
  inFlight: number;
  cooldownUntil: number;
  providerRateLimit: RateLimitSnapshot | null;
}

interface ClientState {
  /** Requests admitted here; the minute window's requests are what requestsPerMinute counts. */
  minute: UsageWindow;
  /** Tokens of finished requests; what tokensPerDay counts. */
  day: UsageWindow;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Requests refused by the key's own limits. */
  rejected: number;
}

/**
 * The limits as this process alone counts them: fixed minute / hour / UTC-day windows per
 * deployment checked before every upstream call, reservations reconciled with the usage the
 * provider reports, cooldowns, the limits the provider last reported in its headers; and each
 * access key's requests per minute and tokens per day.
 */
export class InMemoryLimitStore extends LimitStore implements OwnLimits {
  private readonly states = new Map<string, DeploymentState>();
  private readonly clients = new Map<string, ClientState>();
  private readonly limitedListeners: Array<(key: string) => void> = [];

  constructor(private readonly clock: Clock) {
    super();
  }

  get own(): OwnLimits {
    return this;
  }

  /** Told of every refusal this replica decides on its own limits (a store sharing the counts adds it to theirs). */
  onLimited(listener: (key: string) => void): void {
    this.limitedListeners.push(listener);
  }

  /** `reserveFirst` on this replica's own limits, in its own order. */
  reserveFirst(plan: CandidatePlan, tokensFor: (deployment: Deployment) => number, considered: number, gate: AdmissionGate): Promise<FirstReservation> {
    const { ordered } = plan;
    const refusals: Refusal[] = [];
    for (const [position, deployment] of ordered.slice(0, considered).entries()) {
      const result = this.tryReserve(deployment, tokensFor(deployment), gate);
      if (result.admitted) return Promise.resolve({ order: ordered, admitted: { position, reservation: result.reservation }, refusals });
      refusals.push({ deployment, retryAt: result.retryAt, reason: result.reason, blockedBy: result.blockedBy });
    }
    return Promise.resolve({ order: ordered, admitted: null, refusals });
  }

  nextPick(plan: CandidatePlan, gate: AdmissionGate): Promise<Deployment | null> {
    return Promise.resolve(plan.ordered.find((deployment) => this.refusal(deployment, 1, gate) === null) ?? null);
  }

  reserve(deployment: Deployment, tokens: number, gate: AdmissionGate): Promise<ReserveResult> {
    return Promise.resolve(this.tryReserve(deployment, tokens, gate));
  }

  /**
   * Admits a request to `deployment` if the gate lets it through, and every configured window, the
   * cooldown and the provider's last report leave room for one more request and `tokens` more
   * tokens; reserves them if so.
   */
  tryReserve(deployment: Deployment, tokens: number, gate: AdmissionGate): ReserveResult {
    const refusal = this.refusal(deployment, tokens, gate);
    if (refusal) {
      this.countRefusal({ deployment, ...refusal });
      return { admitted: false, ...refusal };
    }
    return { admitted: true, reservation: this.book(deployment, tokens, gate) };
  }

  /** Why this replica would turn the request away from `deployment` now, or null. Changes nothing. */
  refusal(deployment: Deployment, tokens: number, gate: AdmissionGate): Omit<Refusal, 'deployment'> | null {
    const gated = gate.refusal(deployment);
    if (gated) return { ...gated, blockedBy: 'circuit' };
    const blocked = this.blockedUntil(deployment, this.state(deployment.key), tokens, this.clock.now());
    return blocked ? { ...blocked, blockedBy: 'limits' } : null;
  }

  /** Counts a refusal this replica decided. */
  countRefusal(refusal: Refusal): void {
    if (refusal.blockedBy !== 'limits') return;
    this.countLimited(refusal.deployment.key);
    for (const listener of this.limitedListeners) listener(refusal.deployment.key);
  }

  /** Counts a refusal decided elsewhere (by the store the replicas share, which counted it too). */
  countLimited(key: string): void {
    this.state(key).totals.limited += 1;
  }

  /** Holds a place in every window (and what the gate hands out) for one request. */
  book(deployment: Deployment, tokens: number, gate: AdmissionGate): Reservation {
    const now = this.clock.now();
    const state = this.state(deployment.key);
    const windowStarts = {} as Record<WindowName, number>;
    for (const name of WINDOW_NAMES) {
      const window = state.windows[name].roll(now);
      window.requests += 1;
      window.reservedTokens += tokens;
      windowStarts[name] = window.start;
    }
    state.totals.requests += 1;
    state.inFlight += 1;
    return new Reservation(deployment.key, tokens, windowStarts, gate.admit(deployment));
  }

  settle(reservation: Reservation, outcome: AttemptOutcome, usage?: TokenUsage): void {
    const now = this.clock.now();
    const state = this.state(reservation.deploymentKey);
    for (const name of WINDOW_NAMES) {
      const window = state.windows[name].roll(now);
      // A window that rolled over since the reservation no longer holds it.
      if (window.start === reservation.windowStarts[name]) window.reservedTokens -= reservation.tokens;
      if (usage) {
        window.promptTokens += usage.promptTokens;
        window.completionTokens += usage.completionTokens;
      }
    }
    if (usage) {
      state.totals.promptTokens += usage.promptTokens;
      state.totals.completionTokens += usage.completionTokens;
    }
    state.inFlight -= 1;
    if (outcome === 'completed') state.totals.completed += 1;
    else if (outcome === 'failed') state.totals.failures += 1;
    else state.totals.cancellations += 1;
  }

  withdraw(reservation: Reservation, gate: AdmissionGate): void {
    reservation.settled = true;
    const state = this.state(reservation.deploymentKey);
    const now = this.clock.now();
    for (const name of WINDOW_NAMES) {
      const window = state.windows[name].roll(now);
      if (window.start !== reservation.windowStarts[name]) continue;
      window.requests -= 1;
      window.reservedTokens -= reservation.tokens;
    }
    state.totals.requests -= 1;
    state.inFlight -= 1;
    gate.withdrawn(reservation);
  }

  recordFallback(key: string): void {
    this.state(key).totals.fallbacks += 1;
  }

  coolDown(key: string, forMs: number): void {
    const state = this.state(key);
    state.cooldownUntil = Math.max(state.cooldownUntil, this.clock.now() + forMs);
  }

  cooldownUntil(key: string): number | null {
    const until = this.state(key).cooldownUntil;
    return until > this.clock.now() ? until : null;
  }

  /** Keeps the newest report; an older one arriving late never overwrites it. */
  recordProviderRateLimit(key: string, snapshot: RateLimitSnapshot): void {
    const state = this.state(key);
    if (!state.providerRateLimit || state.providerRateLimit.observedAt <= snapshot.observedAt) {
      state.providerRateLimit = snapshot;
    }
  }

  providerRateLimit(key: string): RateLimitSnapshot | null {
    return this.state(key).providerRateLimit;
  }

  routingState(key: string): Promise<RoutingState> {
    return Promise.resolve({ cooldownUntil: this.cooldownUntil(key), providerRateLimit: this.providerRateLimit(key) });
  }

  utilisation(deployment: Deployment): number {
    const minute = this.state(deployment.key).windows.minute.roll(this.clock.now());
    return Math.max(
      minute.requests / deployment.limits.requestsPerMinute,
      minute.committedTokens / deployment.limits.tokensPerMinute,
    );
  }

  windows(key: string): Record<WindowName, UsageWindow> {
    const now = this.clock.now();
    const { windows } = this.state(key);
    for (const name of WINDOW_NAMES) windows[name].roll(now);
    return windows;
  }

  counters(key: string): DeploymentCounters & { inFlight: number } {
    const state = this.state(key);
    return { ...state.totals, inFlight: state.inFlight };
  }

  deploymentUsage(key: string): Promise<DeploymentUsage> {
    return Promise.resolve({ windows: this.windows(key), totals: this.counters(key) });
  }

  clientAdmit(name: string, limits: ClientLimits): Promise<ClientAdmission> {
    const now = this.clock.now();
    const client = this.client(name);
    const minute = client.minute.roll(now);
    const day = client.day.roll(now);
    const { requestsPerMinute, tokensPerDay } = limits;
    const refusal: ClientAdmission | null =
      tokensPerDay !== undefined && day.promptTokens + day.completionTokens >= tokensPerDay
        ? { admitted: false, retryAt: day.end, limit: 'tokensPerDay' }
        : requestsPerMinute !== undefined && minute.requests >= requestsPerMinute
          ? { admitted: false, retryAt: minute.end, limit: 'requestsPerMinute' }
          : null;
    if (refusal) {
      this.countClientRejection(name);
      return Promise.resolve(refusal);
    }
    this.countClientRequest(name, now);
    return Promise.resolve({ admitted: true });
  }

  /** Counts a request admitted to the access key at `now` (here, or by the store the replicas share). */
  countClientRequest(name: string, now: number): void {
    const client = this.client(name);
    client.minute.roll(now).requests += 1;
    client.day.roll(now).requests += 1;
    client.requests += 1;
  }

  countClientRejection(name: string): void {
    this.client(name).rejected += 1;
  }

  clientBook(name: string, _limits: ClientLimits, usage: { promptTokens: number; completionTokens: number }): void {
    const client = this.client(name);
    const day = client.day.roll(this.clock.now());
    day.promptTokens += usage.promptTokens;
    day.completionTokens += usage.completionTokens;
    client.promptTokens += usage.promptTokens;
    client.completionTokens += usage.completionTokens;
  }

  clientUsage(name: string): Promise<ClientCounts> {
    const now = this.clock.now();
    const client = this.client(name);
    const minute = client.minute.roll(now);
    const day = client.day.roll(now);
    return Promise.resolve({
      requests: client.requests,
      promptTokens: client.promptTokens,
      completionTokens: client.completionTokens,
      rejected: client.rejected,
      minute: { start: minute.start, end: minute.end, requests: minute.requests },
      day: { start: day.start, end: day.end, tokens: day.promptTokens + day.completionTokens },
    });
  }

  private blockedUntil(
    deployment: Deployment,
    state: DeploymentState,
    tokens: number,
    now: number,
  ): { retryAt: number; reason: string } | null {
    if (state.cooldownUntil > now) return { retryAt: state.cooldownUntil, reason: 'cooling down' };
    let blocked: { retryAt: number; reason: string } | null = null;
    const block = (retryAt: number, reason: string) => {
      if (!blocked || retryAt > blocked.retryAt) blocked = { retryAt, reason };
    };
    for (const name of WINDOW_NAMES) {
      const window = state.windows[name].roll(now);
      const requestLimit = deployment.limits[LIMIT_FIELDS[name].requests];
      const tokenLimit = deployment.limits[LIMIT_FIELDS[name].tokens];
      if (requestLimit !== undefined && window.requests + 1 > requestLimit) {
        block(window.end, `requests per ${name} limit reached`);
      }
      if (tokenLimit !== undefined && tokens > tokenLimit) {
        // No wait helps: the request alone is larger than the window.
        block(Number.POSITIVE_INFINITY, `needs ${tokens} tokens, more than the ${tokenLimit} tokens per ${name} limit`);
      } else if (tokenLimit !== undefined && window.committedTokens + tokens > tokenLimit) {
        block(window.end, `tokens per ${name} limit reached`);
      }
    }
    if (state.providerRateLimit) {
      for (const window of providerExhaustion(state.providerRateLimit, now)) block(window.resetAt, window.reason);
    }
    return blocked;
  }

  private state(key: string): DeploymentState {
    let state = this.states.get(key);
    if (!state) {
      state = {
        windows: { minute: new UsageWindow('minute'), hour: new UsageWindow('hour'), day: new UsageWindow('day') },
        totals: emptyCounters(),
        inFlight: 0,
        cooldownUntil: 0,
        providerRateLimit: null,
      };
      this.states.set(key, state);
    }
    return state;
  }

  private client(name: string): ClientState {
    let client = this.clients.get(name);
    if (!client) {
      client = { minute: new UsageWindow('minute'), day: new UsageWindow('day'), requests: 0, promptTokens: 0, completionTokens: 0, rejected: 0 };
      this.clients.set(name, client);
    }
    return client;
  }
}
