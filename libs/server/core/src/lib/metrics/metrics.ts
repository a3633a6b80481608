import { Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process, injected where metrics are recorded. */
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'sentinel_process_' });
  }
}
