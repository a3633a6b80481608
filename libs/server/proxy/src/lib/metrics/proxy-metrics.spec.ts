import type { BindingInvalidator, InterceptRecorder, UsageRecorder } from '@sentinel/server-binding';
import { MetricsRegistry } from '@sentinel/server-core';
import { ProxyMetrics } from './proxy-metrics';

function metrics(): { proxy: ProxyMetrics; scrape: () => Promise<string> } {
  const registry = new MetricsRegistry(false);
  const stats = {
    l1Hits: 0,
    l1Misses: 0,
    l1Entries: 0,
    redisLookups: 0,
    postgresReads: 0,
    postgresInserts: 0,
    sharedLookups: 0,
  };
  const decider = { stats } as unknown as BindingInvalidator;
  const intercepts = {
    depth: 0,
    dropped: 0,
    spooled: { bytes: 0, overflow: 0, replayed: 0 },
    committedBeforeReply: 0,
    waitTimedOut: 0,
  } as unknown as InterceptRecorder;
  const usage = { pendingTouches: 0 } as unknown as UsageRecorder;
  return { proxy: new ProxyMetrics(registry, decider, intercepts, usage), scrape: () => registry.registry.metrics() };
}

describe('ProxyMetrics: decisions counted as plain numbers, exported as a Prometheus counter', () => {
  it('every outcome is exported from the start, then with exactly the counts the requests added', async () => {
    const { proxy, scrape } = metrics();
    expect(await scrape()).toContain('sentinel_decisions_total{outcome="allowed"} 0');
    for (let i = 0; i < 3; i++) proxy.decisions.allowed.inc();
    proxy.decisions.intercepted.inc();
    const text = await scrape();
    expect(text).toContain('# TYPE sentinel_decisions_total counter');
    expect(text).toContain('sentinel_decisions_total{outcome="allowed"} 3');
    expect(text).toContain('sentinel_decisions_total{outcome="intercepted"} 1');
    expect(text).toContain('sentinel_decisions_total{outcome="failsafe_passed"} 0');
  });

  it('a scrape does not add to the counts (a second scrape shows the same values, then later requests on top)', async () => {
    const { proxy, scrape } = metrics();
    proxy.decisions.passthrough.inc();
    await scrape();
    expect(await scrape()).toContain('sentinel_decisions_total{outcome="passthrough"} 1');
    proxy.decisions.passthrough.inc();
    expect(await scrape()).toContain('sentinel_decisions_total{outcome="passthrough"} 2');
  });
});

describe('ProxyMetrics: the upstream-latency histogram, counted in a typed array', () => {
  it('exports cumulative le buckets, +Inf, _sum and _count in the Prometheus histogram format', async () => {
    const { proxy, scrape } = metrics();
    for (const s of [0.0005, 0.003, 0.003, 0.2, 45]) proxy.upstreamLatency.observe(s);
    const text = await scrape();
    expect(text).toContain('# TYPE sentinel_upstream_response_seconds histogram');
    expect(text).toContain('sentinel_upstream_response_seconds_bucket{le="0.001"} 1');
    expect(text).toContain('sentinel_upstream_response_seconds_bucket{le="0.005"} 3');
    expect(text).toContain('sentinel_upstream_response_seconds_bucket{le="0.1"} 3');
    expect(text).toContain('sentinel_upstream_response_seconds_bucket{le="0.25"} 4');
    expect(text).toContain('sentinel_upstream_response_seconds_bucket{le="30"} 4');
    expect(text).toContain('sentinel_upstream_response_seconds_bucket{le="+Inf"} 5');
    expect(text).toContain('sentinel_upstream_response_seconds_sum 45.2065');
    expect(text).toContain('sentinel_upstream_response_seconds_count 5');
  });

  it('a value on a bucket bound counts in that bucket (le is inclusive), as prom-client counts it', async () => {
    const { proxy, scrape } = metrics();
    proxy.upstreamLatency.observe(0.01);
    const text = await scrape();
    expect(text).toContain('sentinel_upstream_response_seconds_bucket{le="0.005"} 0');
    expect(text).toContain('sentinel_upstream_response_seconds_bucket{le="0.01"} 1');
  });
});
