import { Injectable } from '@nestjs/common';
import { Counter, Gauge, type Metric, type MetricValueWithName } from 'prom-client';
import { BindingInvalidator, InterceptRecorder, UsageRecorder } from '@sentinel/server-binding';
import { MetricsRegistry } from '@sentinel/server-core';

export type Outcome =
  | 'allowed'
  | 'intercepted'
  | 'passthrough'
  | 'no_credential'
  | 'bad_request'
  | 'unavailable'
  | 'failsafe_passed'
  | 'rate_limited';

class OutcomeCount {
  n = 0;
  inc(): void {
    this.n++;
  }
}

/**
 * A histogram without labels whose observations are counted in a typed array and exported at scrape
 * time, as the decision counters are: `observe` is a bucket search and two additions, where
 * prom-client's Histogram.observe validates and hashes its (empty) label set on every call. The
 * export is prom-client's own histogram format (cumulative `le` buckets, `+Inf`, `_sum`, `_count`),
 * registered through the registry's public `registerMetric`.
 */
export class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = new Float64Array(upperBounds.length);
  }

  observe(value: number): void {
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    if (i < bounds.length) this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  /** What the registry formats (prom-client's metric object: name, help, type, values). */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: MetricValueWithName<string>[];
  }> {
    const values: MetricValueWithName<string>[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.upperBounds.length; i++) {
      cumulative += this.counts[i];
      values.push({ metricName: `${this.name}_bucket`, labels: { le: this.upperBounds[i] }, value: cumulative });
    }
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.count });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.count });
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/** What the upgraded-socket gauges read when scraped (the proxy's UpgradeSockets). */
export interface UpgradeCounts {
  readonly handshaking: number;
  readonly open: number;
  readonly refused: number;
}

/** Prometheus metrics for the proxy. Children are bound once so a request only increments. */
@Injectable()
export class ProxyMetrics {
  readonly decisions: Record<Outcome, { inc(): void }>;
  readonly bindingsCreated: Counter;
  readonly upstreamLatency: BucketHistogram;
  readonly upstreamErrors: Counter<'kind'>;
  readonly bodyTimeouts: Counter;
  /** Set by the proxy once its forwarder exists. */
  upgrades: UpgradeCounts = { handshaking: 0, open: 0, refused: 0 };

  constructor(
    metrics: MetricsRegistry,
    caches: BindingInvalidator,
    intercepts: InterceptRecorder,
    usage: UsageRecorder,
  ) {
    const registers = [metrics.registry];
    const outcomes: Outcome[] = [
      'allowed',
      'intercepted',
      'passthrough',
      'no_credential',
      'bad_request',
      'unavailable',
      'failsafe_passed',
      'rate_limited',
    ];
    // A request adds one to a plain number; the Prometheus counter is set from them when scraped.
    // (prom-client's own inc() validates and hashes labels on every call: ~1 µs per request.)
    const counts = Object.fromEntries(outcomes.map((o) => [o, new OutcomeCount()])) as Record<Outcome, OutcomeCount>;
    this.decisions = counts;
    new Counter({
      name: 'sentinel_decisions_total',
      help: 'Proxied requests by outcome',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        for (const o of outcomes) this.labels(o).inc(counts[o].n);
      },
    });
    this.bindingsCreated = new Counter({
      name: 'sentinel_bindings_created_total',
      help: 'First-use bindings created',
      registers,
    });
    this.upstreamLatency = new BucketHistogram(
      'sentinel_upstream_response_seconds',
      'Time from forwarding to the upstream response headers',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
    metrics.registry.registerMetric(this.upstreamLatency as unknown as Metric);
    this.upstreamErrors = new Counter({
      name: 'sentinel_upstream_errors_total',
      help: 'Upstream failures by kind',
      labelNames: ['kind'],
      registers,
    });
    this.bodyTimeouts = new Counter({
      name: 'sentinel_body_timeouts_total',
      help: 'Requests answered 408 because their body came slower than BODY_MIN_RATE after BODY_GRACE_MS',
      registers,
    });
    const upgrades = (): UpgradeCounts => this.upgrades;
    new Gauge({
      name: 'sentinel_upgraded_sockets',
      help: 'Upgraded (websocket) sockets held, by state: handshake (no 101 yet) or open; bounded by WS_MAX_OPEN',
      labelNames: ['state'],
      registers,
      collect() {
        this.labels('handshake').set(upgrades().handshaking);
        this.labels('open').set(upgrades().open);
      },
    });
    new Counter({
      name: 'sentinel_upgrades_refused_total',
      help: 'Websocket upgrades answered 503 because WS_MAX_OPEN sockets were held (or during shutdown)',
      registers,
      collect() {
        this.reset();
        this.inc(upgrades().refused);
      },
    });
    new Gauge({
      name: 'sentinel_l1_hit_ratio',
      help: 'In-process binding cache hit ratio since start',
      registers,
      collect() {
        const { l1Hits, l1Misses } = caches.stats;
        this.set(l1Hits + l1Misses === 0 ? 0 : l1Hits / (l1Hits + l1Misses));
      },
    });
    new Gauge({
      name: 'sentinel_l1_entries',
      help: 'Bindings held in the in-process cache',
      registers,
      collect() {
        this.set(caches.stats.l1Entries);
      },
    });
    new Gauge({
      name: 'sentinel_storage_lookups',
      help: 'Binding lookups that reached Redis or PostgreSQL since start',
      labelNames: ['store'],
      registers,
      collect() {
        const io = caches.stats;
        this.labels('redis').set(io.redisLookups);
        this.labels('postgres_read').set(io.postgresReads);
        this.labels('postgres_insert').set(io.postgresInserts);
        this.labels('joined_in_flight').set(io.sharedLookups);
      },
    });
    new Gauge({
      name: 'sentinel_queue_depth',
      help: 'Items waiting to be written',
      labelNames: ['queue'],
      registers,
      collect() {
        this.labels('intercepts').set(intercepts.depth);
        this.labels('last_used').set(usage.pendingTouches);
      },
    });
    new Gauge({
      name: 'sentinel_intercepts_dropped',
      help: 'Intercept rows dropped because the queue was full (PostgreSQL down too long)',
      registers,
      collect() {
        this.set(intercepts.dropped);
      },
    });
    new Gauge({
      name: 'sentinel_spool_bytes',
      help: 'Bytes in the local spool (rows PostgreSQL could not take), not yet replayed',
      registers,
      collect() {
        this.set(intercepts.spooled.bytes);
      },
    });
    new Gauge({
      name: 'sentinel_spool_overflow',
      help: 'Rows refused by the local spool at its bound (SPOOL_MAX_BYTES): lost, and logged',
      registers,
      collect() {
        this.set(intercepts.spooled.overflow);
      },
    });
    new Gauge({
      name: 'sentinel_spool_replayed',
      help: 'Spooled records written into PostgreSQL after an outage or at start',
      registers,
      collect() {
        this.set(intercepts.spooled.replayed);
      },
    });
    new Gauge({
      name: 'sentinel_denials_reply',
      help: 'Denials by how their 403 went out: after the intercept row was committed, or after the commit wait ran out',
      labelNames: ['after'],
      registers,
      collect() {
        this.labels('committed').set(intercepts.committedBeforeReply);
        this.labels('wait_expired').set(intercepts.waitTimedOut);
      },
    });
  }
}
