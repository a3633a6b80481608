import { randomBytes } from 'node:crypto';
import { http } from '../support/http';
import type { SentinelProcess } from '../support/sentinel-process';
import { RealStack } from '../support/stack';
import { describeWithServices } from '@sentinel/testing-support';

/**
 * A binding flood from one address while legitimate callers keep working (issue #17 item 4,
 * security case 17.4; docs/floods.md): random keys as fast as 16 connections allow from 127.0.0.9
 * for FLOOD_SECONDS, against the built server with its default limits (bindRatePerAddress 30/min,
 * bindBurstPerAddress 30). Asserted: the flood binds no more than the bucket allows, the rest gets
 * 429 + Retry-After, and every legitimate request — known keys and a first use from another
 * address — is served. Printed: binds accepted per minute from the flooding address, and the
 * legitimate callers' latency before and during the flood (figures, not assertions).
 */

const FLOOD_SECONDS = Number(process.env['E2E_FLOOD_SECONDS'] ?? '20');
const FLOOD_CONNECTIONS = 16;
const RATE_PER_MINUTE = 30; // the product's defaults
const BURST = 30;
const FLOODER = '127.0.0.9';
const LEGIT_ADDRESSES = ['127.0.0.20', '127.0.0.21', '127.0.0.22', '127.0.0.23'];
const NEWCOMER = '127.0.0.30';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A New API-shaped key: sk- and 48 alphanumerics (a '-' would start New API's channel suffix). */
const newKey = (): string => `sk-${Array.from(randomBytes(48), (b) => ALPHABET[b % ALPHABET.length]).join('')}`;

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

describeWithServices(['postgres', 'redis'], 'Binding flood from one address (security case 17.4, issue #17)', () => {
  let stack: RealStack | null = null;
  let s: SentinelProcess;
  const legitKeys = LEGIT_ADDRESSES.map(() => newKey());

  const call = (key: string, from: string) =>
    http(`${s.url}/v1/models`, { headers: { authorization: `Bearer ${key}` }, from });

  /** Legitimate traffic: each known key from its own address, in turn, until `stop()` says so. */
  async function legitimate(stop: () => boolean): Promise<{ latencies: number[]; statuses: Map<number, number> }> {
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    await Promise.all(
      legitKeys.map(async (key, i) => {
        while (!stop()) {
          const t0 = performance.now();
          const r = await call(key, LEGIT_ADDRESSES[i]);
          latencies.push(performance.now() - t0);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        }
      }),
    );
    return { latencies: latencies.sort((a, b) => a - b), statuses };
  }

  beforeAll(async () => {
    stack = await RealStack.start();
    if (!stack) return;
    // The e2e harness turns the bound off for other suites; this one runs the product's defaults.
    s = await stack.sentinel({ BIND_RATE_PER_ADDRESS: String(RATE_PER_MINUTE) });
    for (const [i, key] of legitKeys.entries()) expect((await call(key, LEGIT_ADDRESSES[i])).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it(`${FLOOD_SECONDS} s of random keys from one address bind at most burst + rate; legitimate callers are all served`, async () => {
    if (!stack) return;
    const db = stack.db;
    const [{ n: rowsBefore }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM token_bindings');

    // Baseline: legitimate latency with no flood, for the printed comparison.
    const baselineEnd = Date.now() + 3_000;
    const baseline = await legitimate(() => Date.now() > baselineEnd);

    const floodEnd = Date.now() + FLOOD_SECONDS * 1_000;
    const flood = { sent: 0, bound: 0, limited: 0, other: new Map<number, number>(), retryAfterMissing: 0 };
    const flooding = Promise.all(
      Array.from({ length: FLOOD_CONNECTIONS }, async () => {
        while (Date.now() < floodEnd) {
          const r = await call(newKey(), FLOODER);
          flood.sent++;
          if (r.status === 200) flood.bound++;
          else if (r.status === 429) {
            flood.limited++;
            if (!/^\d+$/.test(String(r.headers['retry-after'] ?? ''))) flood.retryAfterMissing++;
          } else flood.other.set(r.status, (flood.other.get(r.status) ?? 0) + 1);
        }
      }),
    );
    // A legitimate first use from another address in the middle of the flood: its own bucket.
    const newcomer = (async () => {
      await new Promise((r) => setTimeout(r, (FLOOD_SECONDS * 1_000) / 2));
      return (await call(newKey(), NEWCOMER)).status;
    })();
    const during = await legitimate(() => Date.now() > floodEnd);
    await flooding;

    const [{ n: rowsAfter }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM token_bindings');
    const allowed = BURST + Math.ceil((RATE_PER_MINUTE * FLOOD_SECONDS) / 60) + 1; // +1: a refill at the edge
    // The burst goes at once; what follows is the refill, the steady rate an attacker gets.
    const perMinute = (Math.max(0, flood.bound - BURST) * 60) / FLOOD_SECONDS;
    console.log(
      [
        `binding flood, ${FLOOD_SECONDS} s from one address at c=${FLOOD_CONNECTIONS}: ${flood.sent} requests, ` +
          `${flood.bound} bound (the burst of ${BURST}, then ${perMinute.toFixed(1)} per minute; bucket ${RATE_PER_MINUTE}/min), ` +
          `${flood.limited} answered 429`,
        `legitimate known keys (${LEGIT_ADDRESSES.length} callers): before the flood ${baseline.latencies.length} requests, ` +
          `p50 ${percentile(baseline.latencies, 50).toFixed(2)} ms, p99 ${percentile(baseline.latencies, 99).toFixed(2)} ms; ` +
          `during it ${during.latencies.length} requests, p50 ${percentile(during.latencies, 50).toFixed(2)} ms, ` +
          `p99 ${percentile(during.latencies, 99).toFixed(2)} ms, statuses ${JSON.stringify([...during.statuses])}`,
      ].join('\n'),
    );

    // One comparison, so a failure shows every figure at once.
    expect({
      otherStatuses: [...flood.other], // nothing but 200 (bound) or 429 (limited)
      boundWithinBucket: flood.bound >= BURST && flood.bound <= allowed ? 'yes' : flood.bound,
      every429HasRetryAfter: flood.retryAfterMissing === 0,
      rest429: flood.limited === flood.sent - flood.bound,
      // Bound rows: the flood's plus the newcomer's, nothing from the 429s.
      rowsBeyondTheAnswered200s: rowsAfter - rowsBefore - flood.bound - 1,
      newcomer: await newcomer,
      legitimateDuring: [...during.statuses],
      legitimateBefore: [...baseline.statuses],
    }).toEqual({
      otherStatuses: [],
      boundWithinBucket: 'yes',
      every429HasRetryAfter: true,
      rest429: true,
      rowsBeyondTheAnswered200s: 0,
      newcomer: 200,
      legitimateDuring: [[200, during.latencies.length]],
      legitimateBefore: [[200, baseline.latencies.length]],
    });
  }, 120_000);
});
