import type { Provider } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

let processMetrics: Registry | undefined;

/**
 * Node's standard process metrics (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, ...),
 * collected once per process: they describe the process, not one app, and each collection starts
 * an event-loop monitor and a GC observer that never stop, so an app per test must not add more.
 */
function processMetricsRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/**
 * The app's own registry, never prom-client's global one: several apps in one process (the tests)
 * each count their own traffic. It also serves the shared process metrics.
 */
export const metricsRegistryProvider: Provider = {
  provide: Registry,
  useFactory: (): Registry => {
    const registry = new Registry();
    const shared = processMetricsRegistry();
    for (const { name } of shared.getMetricsAsArray()) registry.registerMetric(shared.getSingleMetric(name)!);
    return registry;
  },
};
