import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tokenIdOf } from '../admin/admin-support';
import { freePort } from '../support/free-port';
import { http, type HttpResult } from '../support/http';
import { SentinelProcess } from '../support/sentinel-process';
import type { TestDatabase } from '../support/services';
import type { RealStack } from '../support/stack';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A 48-character lowercase key (New API's shape); `tag` keeps suites apart. */
export const keyOf = (tag: string, n: number) => `${tag}${String(n).padStart(48 - tag.length, '0')}`;

/** A Sentinel with its metrics listener on a port of its own, so a test can read the counters. */
export interface Instance {
  process: SentinelProcess;
  metricsPort: number;
  url: string;
}

export async function bootInstance(
  stack: RealStack,
  env: Record<string, string | undefined>,
  ports: { pg?: number; redis?: number } = {},
): Promise<Instance> {
  const metricsPort = await freePort();
  const process = await new SentinelProcess({
    env: stack.env({ METRICS_PORT: String(metricsPort), ...env }, ports),
    waitForHealth: false,
  }).start();
  await process.waitForHealth(90_000); // a generous start-up bound: CI machines can be busy
  return { process, metricsPort, url: process.url };
}

/** One Prometheus sample, e.g. metric(i, 'sentinel_decisions_total{outcome="failsafe_passed"}'). 0 when absent. */
export async function metric(i: Instance, sample: string): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    const r = request(`http://127.0.0.1:${i.metricsPort}/metrics`, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    r.on('error', reject);
    r.end();
  });
  for (const line of text.split('\n')) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return 0;
}

export interface Readiness {
  status: number;
  postgres: string | undefined;
  redis: string | undefined;
}

export async function readiness(url: string): Promise<Readiness> {
  const r = await http(`${url}/health/ready`);
  let parsed: { info?: Record<string, { status: string }>; error?: Record<string, { status: string }> } = {};
  try {
    parsed = JSON.parse(r.body);
  } catch {
    /* not JSON */
  }
  const state = (name: string) => parsed.error?.[name]?.status ?? parsed.info?.[name]?.status;
  return { status: r.status, postgres: state('postgres'), redis: state('redis') };
}

/** Polls until `ok` (a deadline, not a timed assertion); returns the last value either way. */
export async function until<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 15_000,
  everyMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last) && Date.now() < deadline) {
    await sleep(everyMs);
    last = await probe();
  }
  return last;
}

export const guarded = (url: string, key: string, from: string): Promise<HttpResult> =>
  http(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` }, from });

/** A guarded call that never rejects: a connection error is status 0. */
export const tryGuarded = (url: string, key: string, from: string): Promise<HttpResult> =>
  guarded(url, key, from).catch(() => ({ status: 0, headers: {}, body: '' }));

export async function bindingsOf(db: TestDatabase, keys: readonly string[]): Promise<number> {
  const [r] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM token_bindings WHERE token_hash = ANY($1)`,
    [keys.map(tokenIdOf)],
  );
  return r.n;
}

export async function interceptRowsOf(db: TestDatabase, keys: readonly string[]): Promise<number> {
  const [r] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM intercept_logs WHERE token_hash = ANY($1)`,
    [keys.map(tokenIdOf)],
  );
  return r.n;
}

/** Request ids that have more than one intercept row (must be none). */
export async function duplicateIntercepts(db: TestDatabase): Promise<number> {
  const [r] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT request_id FROM intercept_logs GROUP BY request_id HAVING count(*) > 1) d`,
  );
  return r.n;
}

/** Resident set size of a process in KiB (Linux /proc/<pid>/status VmRSS). */
export function rssKiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** The request id Sentinel put on a refusal (X-Sentinel-Request-Id); it is also in the intercept row. */
export function requestIdOf(r: HttpResult): string {
  const h = r.headers['x-sentinel-request-id'];
  if (typeof h !== 'string') throw new Error(`no request id on a ${r.status}`);
  return h;
}

/** For each request id, how many intercept rows carry it. */
export async function interceptRowsByRequestId(db: TestDatabase, ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.query<{ id: string; n: number }>(
    `SELECT request_id AS id, count(*)::int AS n FROM intercept_logs WHERE request_id = ANY($1) GROUP BY request_id`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** Ids that do not have exactly one row: [missing, duplicated]. */
export async function notExactlyOnce(
  db: TestDatabase,
  ids: readonly string[],
): Promise<{ missing: number; duplicated: number }> {
  const byId = await interceptRowsByRequestId(db, ids);
  let missing = 0;
  let duplicated = 0;
  for (const id of ids) {
    const n = byId.get(id) ?? 0;
    if (n === 0) missing++;
    else if (n > 1) duplicated++;
  }
  return { missing, duplicated };
}
