import type { Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import { CIRCUIT_BREAKER_SETTINGS, type CircuitBreakerSettings } from './circuit-breaker.js';

/** The CIRCUIT_BREAKER_* variables as CircuitBreakerSettings, or null when the breaker is off. */
export const circuitBreakerSettingsProvider: Provider = {
  provide: CIRCUIT_BREAKER_SETTINGS,
  inject: [ConfigService],
  useFactory: (config: ConfigService<Environment, true>): CircuitBreakerSettings | null => {
    const minRequests = config.get('CIRCUIT_BREAKER_MIN_REQUESTS', { infer: true });
    if (!config.get('CIRCUIT_BREAKER_ENABLED', { infer: true }) || minRequests === 0) return null;
    return {
      windowSize: config.get('CIRCUIT_BREAKER_WINDOW', { infer: true }),
      windowMs: config.get('CIRCUIT_BREAKER_WINDOW_MS', { infer: true }),
      minRequests,
      failureRatio: config.get('CIRCUIT_BREAKER_FAILURE_RATIO', { infer: true }),
      cooldownMs: config.get('CIRCUIT_BREAKER_COOLDOWN_MS', { infer: true }),
      maxCooldownMs: config.get('CIRCUIT_BREAKER_MAX_COOLDOWN_MS', { infer: true }),
    };
  },
};
