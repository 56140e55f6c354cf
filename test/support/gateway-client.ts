import { afterEach } from 'vitest';
import type { ModelsResponseDto, ModelViewDto } from '../../src/models/dto/model-view.dto.js';
import type { ModelUsageDto, UsageReportDto } from '../../src/usage/dto/usage-report.dto.js';
import { Clock } from '../../src/usage/clock.js';
import { startGateway, type Gateway, type GatewayAddress, type GatewayOptions } from './gateway-harness.js';

/**
 * Returns a `start` function for the current file: each gateway it starts is closed after the
 * test, so every test gets fresh usage counters, cooldowns and simulator recordings.
 */
export function gatewayPerTest(): (options?: GatewayOptions) => Promise<Gateway> {
  const started: Gateway[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((gateway) => gateway.close()));
  });
  return async (options) => {
    const gateway = await startGateway(options);
    started.push(gateway);
    return gateway;
  };
}

/**
 * Shifts the gateway's clock back so that, from its point of view, a minute (and so an hour and
 * a day) has just begun: a test counting against a window never sees it roll over midway.
 * Call before the first request. Times the gateway reports (cooldownUntil) are shifted too.
 */
export function freshUsageWindows(gateway: Gateway): void {
  const clock = gateway.app.get(Clock);
  const shiftMs = Date.now() % 60_000;
  clock.now = () => Date.now() - shiftMs;
}

/**
 * For gateways whose clock a test cannot shift (gateway processes): when less than `marginMs` of
 * the current UTC minute is left, waits for the next minute to begin, so a test that counts
 * against a window and takes less than that never sees it roll over midway. Call right before
 * the first request.
 */
export async function untilFreshMinute(marginMs = 12_000): Promise<void> {
  for (;;) {
    const intoMinute = Date.now() % 60_000;
    if (intoMinute <= 60_000 - marginMs) return;
    // A few ms past the boundary: the gateway processes read the same wall clock.
    await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 20));
  }
}

export async function getUsage(gateway: GatewayAddress): Promise<UsageReportDto> {
  const response = await fetch(`${gateway.url}/usage`);
  if (response.status !== 200) throw new Error(`GET /usage answered ${response.status}`);
  return (await response.json()) as UsageReportDto;
}

/** One deployment's entry in GET /usage, by `provider/id`. */
export async function usageOf(gateway: GatewayAddress, key: string): Promise<ModelUsageDto> {
  const entry = (await getUsage(gateway)).models.find((model) => model.key === key);
  if (!entry) throw new Error(`GET /usage has no model ${key}`);
  return entry;
}

export async function getModels(gateway: GatewayAddress): Promise<ModelsResponseDto> {
  const response = await fetch(`${gateway.url}/models`);
  if (response.status !== 200) throw new Error(`GET /models answered ${response.status}`);
  return (await response.json()) as ModelsResponseDto;
}

/** One deployment's entry in GET /models, by `provider/id`. */
export async function modelView(gateway: GatewayAddress, key: string): Promise<ModelViewDto> {
  const entry = (await getModels(gateway)).models.find((model) => model.key === key);
  if (!entry) throw new Error(`GET /models has no model ${key}`);
  return entry;
}

/** Retries an async assertion until it passes (for effects that settle after the response ends). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 2_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
