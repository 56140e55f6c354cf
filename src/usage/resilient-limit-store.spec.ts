import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deployment, FakeClock } from '../../test/support/fixtures.js';
import { SharedLimitsUnavailableError } from '../common/errors/gateway-errors.js';
import type { Deployment } from '../config/model-catalog.js';
import { InMemoryLimitStore } from './in-memory-limit-store.js';
import {
  LimitStore,
  LimitStoreUnreachableError,
  type AdmissionGate,
  type AvailabilitySignal,
  type ClientAdmission,
  type ClientCounts,
  type DeploymentUsage,
  type FirstReservation,
  type OwnLimits,
  type ReserveResult,
  type RoutingState,
} from './limit-store.js';
import { ResilientLimitStore } from './resilient-limit-store.js';

const OPEN_GATE: AdmissionGate = { refusal: () => null, admit: () => null, withdrawn: () => undefined };

/**
 * A shared store that admits everything while up (booking on the local store, as the Redis one
 * does) and throws LimitStoreUnreachableError while down.
 */
class FakeRemoteStore extends LimitStore implements AvailabilitySignal {
  down = false;
  /** While down, whether `reserve` had the local store grant the request before failing. */
  grantBeforeFailing = false;
  calls = 0;
  private readonly listeners: Array<(reachable: boolean) => void> = [];

  constructor(private readonly local: InMemoryLimitStore) {
    super();
  }

  get own(): OwnLimits {
    return this.local;
  }

  onAvailability(listener: (reachable: boolean) => void): void {
    this.listeners.push(listener);
  }

  signal(reachable: boolean): void {
    for (const listener of this.listeners) listener(reachable);
  }

  private reach(): void {
    this.calls += 1;
    if (this.down) throw new LimitStoreUnreachableError();
  }

  reserveFirst(...args: Parameters<LimitStore['reserveFirst']>): Promise<FirstReservation> {
    this.reach();
    return this.local.reserveFirst(...args);
  }

  nextPick(...args: Parameters<LimitStore['nextPick']>): Promise<Deployment | null> {
    this.reach();
    return this.local.nextPick(...args);
  }

  reserve(target: Deployment, tokens: number, gate: AdmissionGate): Promise<ReserveResult> {
    if (this.down && this.grantBeforeFailing) {
      this.calls += 1;
      const local = this.local.tryReserve(target, tokens, gate);
      if (local.admitted) throw new LimitStoreUnreachableError(local.reservation);
      return Promise.resolve(local);
    }
    this.reach();
    return this.local.reserve(target, tokens, gate);
  }

  settle(...args: Parameters<LimitStore['settle']>): void {
    this.local.settle(...args);
  }

  withdraw(...args: Parameters<LimitStore['withdraw']>): void {
    this.local.withdraw(...args);
  }

  recordFallback(key: string): void {
    this.local.recordFallback(key);
  }

  coolDown(key: string, forMs: number): void {
    this.local.coolDown(key, forMs);
  }

  recordProviderRateLimit(...args: Parameters<LimitStore['recordProviderRateLimit']>): void {
    this.local.recordProviderRateLimit(...args);
  }

  routingState(): Promise<RoutingState> {
    this.reach();
    return Promise.resolve({ cooldownUntil: 1, providerRateLimit: null });
  }

  deploymentUsage(key: string): Promise<DeploymentUsage> {
    this.reach();
    return this.local.deploymentUsage(key).then((usage) => ({ ...usage, totals: { ...usage.totals, requests: 1_000 } }));
  }

  clientAdmit(): Promise<ClientAdmission> {
    this.reach();
    return Promise.resolve({ admitted: false, retryAt: 0, limit: 'requestsPerMinute' });
  }

  clientBook(...args: Parameters<LimitStore['clientBook']>): void {
    this.local.clientBook(...args);
  }

  clientUsage(name: string): Promise<ClientCounts> {
    this.reach();
    return this.local.clientUsage(name).then((usage) => ({ ...usage, requests: 1_000 }));
  }
}

const model = deployment('groq', 'm', { limits: { requestsPerMinute: 2, requestsPerDay: 10_000, tokensPerMinute: 1_000_000, tokensPerDay: 10_000_000 } });
const plan = { ordered: [model], shared: { candidates: [model], ordering: 'round-robin' as const } };

describe('ResilientLimitStore', () => {
  let local: InMemoryLimitStore;
  let remote: FakeRemoteStore;
  let warn: ReturnType<typeof vi.spyOn>;

  const store = (failureMode: 'open' | 'closed') => new ResilientLimitStore(remote, local, failureMode);

  beforeEach(() => {
    local = new InMemoryLimitStore(new FakeClock());
    remote = new FakeRemoteStore(local);
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => vi.restoreAllMocks());

  describe('REDIS_FAILURE_MODE=open', () => {
    it('serves on the local store while the remote one is unreachable, the local windows counting all along', async () => {
      const limits = store('open');
      remote.down = true;
      const first = await limits.reserveFirst(plan, () => 10, 1, OPEN_GATE);
      expect(first.admitted?.position).toBe(0);
      expect((await limits.reserve(model, 10, OPEN_GATE)).admitted).toBe(true);
      // requestsPerMinute: 2, both counted locally.
      expect((await limits.reserve(model, 10, OPEN_GATE)).admitted).toBe(false);
      expect(await limits.clientAdmit('k', {})).toEqual({ admitted: true });
      expect(local.windows(model.key).minute.requests).toBe(2);
    });

    it('keeps what the local limits granted before the remote store failed', async () => {
      const limits = store('open');
      remote.down = true;
      remote.grantBeforeFailing = true;
      const result = await limits.reserve(model, 10, OPEN_GATE);
      expect(result.admitted).toBe(true);
      expect(local.windows(model.key).minute.requests).toBe(1);
    });

    it('uses the remote store again once it answers', async () => {
      const limits = store('open');
      remote.down = true;
      expect(await limits.clientAdmit('k', {})).toEqual({ admitted: true });
      remote.down = false;
      expect(await limits.clientAdmit('k', {})).toEqual({ admitted: false, retryAt: 0, limit: 'requestsPerMinute' });
    });
  });

  describe('REDIS_FAILURE_MODE=closed', () => {
    it('refuses admissions with SharedLimitsUnavailableError while the remote store is unreachable', async () => {
      const limits = store('closed');
      remote.down = true;
      await expect(limits.reserveFirst(plan, () => 10, 1, OPEN_GATE)).rejects.toBeInstanceOf(SharedLimitsUnavailableError);
      await expect(limits.reserve(model, 10, OPEN_GATE)).rejects.toBeInstanceOf(SharedLimitsUnavailableError);
      await expect(limits.clientAdmit('k', {})).rejects.toBeInstanceOf(SharedLimitsUnavailableError);
      expect(local.windows(model.key).minute.requests).toBe(0);
    });

    it('takes back what the local limits granted before the remote store failed', async () => {
      const limits = store('closed');
      remote.down = true;
      remote.grantBeforeFailing = true;
      await expect(limits.reserve(model, 10, OPEN_GATE)).rejects.toBeInstanceOf(SharedLimitsUnavailableError);
      expect(local.counters(model.key)).toMatchObject({ requests: 0, inFlight: 0 });
    });

    it('admits through the remote store again once it answers', async () => {
      const limits = store('closed');
      remote.down = true;
      await expect(limits.reserve(model, 10, OPEN_GATE)).rejects.toBeInstanceOf(SharedLimitsUnavailableError);
      remote.down = false;
      expect((await limits.reserve(model, 10, OPEN_GATE)).admitted).toBe(true);
    });
  });

  it.each(['open', 'closed'] as const)('REDIS_FAILURE_MODE=%s: reports this replica’s own counts while the remote store is unreachable', async (mode) => {
    const limits = store(mode);
    expect((await limits.deploymentUsage(model.key)).totals.requests).toBe(1_000);
    remote.down = true;
    expect((await limits.deploymentUsage(model.key)).totals.requests).toBe(0);
    expect((await limits.clientUsage('k')).requests).toBe(0);
    expect(await limits.routingState(model.key)).toEqual({ cooldownUntil: null, providerRateLimit: null });
  });

  it('lets an error that is not an outage through', async () => {
    const limits = store('open');
    vi.spyOn(remote, 'clientAdmit').mockRejectedValue(new Error('bug'));
    await expect(limits.clientAdmit('k', {})).rejects.toThrow('bug');
  });

  it.each([
    ['open', 'serving with this replica’s own limits'],
    ['closed', 'chat requests are refused with 503'],
  ] as const)('REDIS_FAILURE_MODE=%s: logs an outage once, and the next one again', (mode, message) => {
    store(mode);
    remote.signal(false);
    remote.signal(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain(message);
    remote.signal(true);
    remote.signal(false);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});
