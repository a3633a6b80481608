import { createHmac } from 'node:crypto';
import { FakeUpstream } from '../support/fake-upstream';
import { http, type HttpResult } from '../support/http';
import { SentinelProcess, TEST_SECRETS } from '../support/sentinel-process';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  realServicesAvailable,
  redisPrefix,
  type TestDatabase,
} from '../support/services';
import { testRedisUrl } from '@sentinel/testing-support';

export interface AdminCluster {
  upstream: FakeUpstream;
  db: TestDatabase;
  prefix: string;
  instances: SentinelProcess[];
  stop(): Promise<void>;
}

/** N Sentinel instances sharing one database and one Redis prefix, in front of a fake New API. */
export async function startCluster(count: number, env: Record<string, string> = {}): Promise<AdminCluster> {
  await realServicesAvailable();
  const upstream = await new FakeUpstream().start();
  const db = await createTestDatabase();
  const prefix = redisPrefix();
  const instances: SentinelProcess[] = [];
  const common = {
    DOWNSTREAM_URL: upstream.url,
    PG_DSN: db.dsn(),
    REDIS_ADDR: testRedisUrl(),
    REDIS_KEY_PREFIX: prefix,
    ...env,
  };
  // The first one runs the migrations; the others start in parallel afterwards.
  instances.push(await new SentinelProcess({ env: common }).start());
  instances.push(
    ...(await Promise.all(Array.from({ length: count - 1 }, () => new SentinelProcess({ env: common }).start()))),
  );
  return {
    upstream,
    db,
    prefix,
    instances,
    stop: async () => {
      await Promise.all(instances.map((i) => i.stop()));
      await upstream.stop();
      await db.drop();
      await cleanupRedisPrefix(prefix);
    },
  };
}

/** What a suite's tests use of its cluster: the instances' URLs (A first) and an admin token on A. */
export interface ClusterSession {
  cluster: AdminCluster;
  A: string;
  /** The second instance ('' for a one-instance cluster). */
  B: string;
  token: string;
}

/**
 * The multi-instance suites' shared hook: a cluster started before the block's tests, an admin
 * logged in on the first instance, and everything stopped and removed after them. Call it inside
 * `describeWithServices(['postgres', 'redis'], …)`, which skips the block when those services are
 * missing; here their absence is an error, never a test that silently passes.
 */
export function useCluster(
  count: number,
  ready: (session: ClusterSession) => void,
  env?: Record<string, string>,
): void {
  let cluster: AdminCluster | null = null;
  beforeAll(async () => {
    cluster = await startCluster(count, env);
    if (!cluster)
      throw new Error(
        "useCluster needs PostgreSQL and Redis: call it inside describeWithServices(['postgres', 'redis'], …)",
      );
    const [A, B = ''] = cluster.instances.map((i) => i.url);
    ready({ cluster, A, B, token: await login(A) });
  });
  afterAll(async () => {
    await cluster?.stop();
  });
}

export interface JsonResult<T = unknown> extends HttpResult {
  json: T;
}

/** An admin API call; `body` is sent as JSON. */
export async function api<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; from?: string; headers?: Record<string, string> } = {},
): Promise<JsonResult<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const r = await http(`${base}/admin/api/${path}`, { method, headers, body, from: options.from });
  let json: unknown = undefined;
  if ((r.headers['content-type'] ?? '').includes('json')) json = JSON.parse(r.body);
  return { ...r, json: json as T };
}

export async function login(base: string, password = TEST_SECRETS.ADMIN_PASSWORD): Promise<string> {
  const r = await api<{ accessToken: string }>(base, 'POST', 'login', { body: { password } });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.body}`);
  return r.json.accessToken;
}

/** A proxied relay call with `key` from `from`. */
export function relay(base: string, key: string, from: string): Promise<HttpResult> {
  return http(`${base}/v1/models`, { headers: { authorization: `Bearer ${key}` }, from });
}

/** The token id Sentinel computes for a key (HMAC-SHA256 under the test secret). */
export function tokenIdOf(normalisedKey: string): string {
  return createHmac('sha256', TEST_SECRETS.SENTINEL_HMAC_SECRET).update(normalisedKey).digest('hex');
}

export function b64url(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

export async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}
