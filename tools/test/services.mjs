#!/usr/bin/env node
// The test services, for the plain-JS tooling (the bench, the Nx cache key, the end-of-run checks).
// The TypeScript tiers read the same variables through @sentinel/server-storage/testing.
//
//   TEST_PG_ADMIN_DSN  PostgreSQL admin DSN (default postgresql://postgres@127.0.0.1:5432/postgres)
//   TEST_REDIS_URL     Redis URL (default redis://127.0.0.1:6379/0)
//   NGINX_PATH, CHROMIUM_PATH  the binaries (defaults: Debian's paths)
//
// CLI:
//   node tools/test/services.mjs world          one line naming what is reachable (an Nx runtime input:
//                                               a cached run from another world is never replayed)
//   node tools/test/services.mjs leftover-keys  exit 1 if Redis still holds keys under a test prefix
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';

export const DEFAULT_PG_ADMIN_DSN = 'postgresql://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';
/** Every Redis key a test makes starts with one of these (followed by a per-run random part). */
export const TEST_KEY_PREFIXES = ['sentinel-int:', 'sentinel-e2e:', 'sentinel-console-e2e:', 'sentinel-bench:'];

export const testPgAdminDsn = () => process.env.TEST_PG_ADMIN_DSN?.trim() || DEFAULT_PG_ADMIN_DSN;
export const testRedisUrl = () => process.env.TEST_REDIS_URL?.trim() || DEFAULT_REDIS_URL;

/** The admin DSN pointed at `database`; with `relayPort`, through a relay on 127.0.0.1:relayPort. */
export function pgDsnFor(database, relayPort) {
  const url = new URL(testPgAdminDsn());
  url.pathname = `/${database}`;
  if (relayPort !== undefined) {
    url.hostname = '127.0.0.1';
    url.port = String(relayPort);
  }
  return url.toString();
}

/** The Redis URL; with `relayPort`, through a relay on 127.0.0.1:relayPort. */
export function redisUrlFor(relayPort) {
  const url = new URL(testRedisUrl());
  if (relayPort !== undefined) {
    url.hostname = '127.0.0.1';
    url.port = String(relayPort);
  }
  return url.toString();
}

/** host and port of a service URL (defaults 5432/6379 by scheme). */
export function hostPort(urlText) {
  const url = new URL(urlText);
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(url.port) || (url.protocol.startsWith('redis') ? 6379 : 5432);
  return { host, port };
}

export const nginxPath = () =>
  process.env.NGINX_PATH?.trim() || ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) || null;
export const chromiumPath = () => process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function reachable(urlText, timeoutMs = 500) {
  const { host, port } = hostPort(urlText);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => (socket.destroy(), resolve(ok));
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function world() {
  const [postgres, redis] = await Promise.all([reachable(testPgAdminDsn()), reachable(testRedisUrl())]);
  const nginx = nginxPath();
  return { postgres, redis, nginx: nginx !== null && existsSync(nginx), chromium: existsSync(chromiumPath()) };
}

/** Keys under the test prefixes (at most `limit`), or null when Redis is not reachable. */
export async function leftoverKeys(limit = 20) {
  if (!(await reachable(testRedisUrl()))) return null;
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  const found = [];
  try {
    await redis.connect();
    for (const prefix of TEST_KEY_PREFIXES) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        found.push(...keys);
        cursor = next;
      } while (cursor !== '0' && found.length < limit);
    }
  } finally {
    redis.disconnect();
  }
  return found.slice(0, limit);
}

/** Deletes every key under `prefix` (one made with a TEST_KEY_PREFIXES tier): SCAN + DEL, never a flush. */
export async function deleteTestKeys(prefix) {
  if (!TEST_KEY_PREFIXES.some((p) => prefix.startsWith(p)) || prefix.length < 16) {
    throw new Error(`refusing to delete keys under ${JSON.stringify(prefix)}: not a test prefix`);
  }
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const command = process.argv[2];
  if (command === 'world') {
    const w = await world();
    console.log(
      Object.entries(w)
        .map(([k, v]) => `${k}=${v ? 'up' : 'absent'}`)
        .join(' '),
    );
  } else if (command === 'leftover-keys') {
    const keys = await leftoverKeys();
    if (keys === null) {
      console.log('test Redis keys: not checked (Redis not reachable)');
      process.exit(process.env.REQUIRE_SERVICES === '1' ? 1 : 0);
    }
    if (keys.length > 0) {
      console.error(`test Redis keys left behind (first ${keys.length}):\n  ${keys.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`test Redis keys: none left under ${TEST_KEY_PREFIXES.join(' ')}`);
  } else {
    console.error('usage: node tools/test/services.mjs world|leftover-keys');
    process.exit(2);
  }
}
