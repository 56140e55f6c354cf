import type { Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment, RotationStrategyName } from '../../config/environment.js';
import { UsageTracker } from '../../usage/usage-tracker.service.js';
import { LatencyEstimates } from '../latency-estimates.js';
import { LatencyStrategy } from './latency.strategy.js';
import { LeastUsedStrategy } from './least-used.strategy.js';
import { PriorityStrategy } from './priority.strategy.js';
import { RandomStrategy } from './random.strategy.js';
import { RotationStrategy } from './rotation-strategy.js';
import { RoundRobinStrategy } from './round-robin.strategy.js';

/** The strategy named by ROTATION_STRATEGY, injected as RotationStrategy. */
export const rotationStrategyProvider: Provider = {
  provide: RotationStrategy,
  inject: [ConfigService, UsageTracker, LatencyEstimates],
  useFactory: (config: ConfigService<Environment, true>, tracker: UsageTracker, latency: LatencyEstimates): RotationStrategy => {
    const strategies: Record<RotationStrategyName, () => RotationStrategy> = {
      'round-robin': () => new RoundRobinStrategy(),
      random: () => new RandomStrategy(),
      'least-used': () => new LeastUsedStrategy((deployment) => tracker.utilisation(deployment)),
      priority: () => new PriorityStrategy(),
      latency: () => new LatencyStrategy((deployment) => latency.estimate(deployment), config.get('LATENCY_EXPLORATION', { infer: true })),
    };
    return strategies[config.get('ROTATION_STRATEGY', { infer: true })]();
  },
};
