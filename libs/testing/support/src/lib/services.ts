import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';

/**
 * Where the tests find their services, for every tier (unit, integration, both e2e apps; the
 * bench's tools/test/services.mjs reads the same variables):
 *
 *   TEST_PG_ADMIN_DSN  a PostgreSQL role that may CREATE/DROP DATABASE
 *                      (default postgresql://postgres@127.0.0.1:5432/postgres)
 *   TEST_REDIS_URL     a Redis server; tests only touch keys under their own prefix
 *                      (default redis://127.0.0.1:6379/0)
 *   NGINX_PATH         nginx (default /usr/sbin/nginx or /usr/bin/nginx)
 *   CHROMIUM_PATH      Chromium for the console's browser tests (default /usr/bin/chromium)
 *   KUBECTL_PATH       kubectl, for rendering the Kustomize manifests (default: kubectl on PATH)
 *   REDIS_SERVER_PATH  redis-server, run by tests on ports of their own, also as `--sentinel`
 *                      (default: redis-server on PATH)
 *   REQUIRE_SERVICES=1 a missing service fails the run instead of skipping its tests
 */

export const DEFAULT_PG_ADMIN_DSN = 'postgresql://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';

// Test support is the one place besides the config loader that reads the environment.
const env = (name: string): string | undefined => process.env[name]?.trim() || undefined;

export function testAdminDsn(): string {
  return env('TEST_PG_ADMIN_DSN') ?? DEFAULT_PG_ADMIN_DSN;
}

export function testRedisUrl(): string {
  return env('TEST_REDIS_URL') ?? DEFAULT_REDIS_URL;
}

/** The admin DSN pointed at `database`; with `relayPort`, through a relay on 127.0.0.1:relayPort. */
export function pgDsnFor(database: string, relayPort?: number): string {
  const url = new URL(testAdminDsn());
  url.pathname = `/${database}`;
  if (relayPort !== undefined) {
    url.hostname = '127.0.0.1';
    url.port = String(relayPort);
  }
  return url.toString();
}

/** The Redis URL; with `relayPort`, through a relay on 127.0.0.1:relayPort. */
export function redisUrlFor(relayPort?: number): string {
  const url = new URL(testRedisUrl());
  if (relayPort !== undefined) {
    url.hostname = '127.0.0.1';
    url.port = String(relayPort);
  }
  return url.toString();
}

/** Host and port of a service URL (5432 / 6379 when the URL names none), e.g. for a TCP relay. */
export function serviceAddress(service: 'postgres' | 'redis'): { host: string; port: number } {
  const url = new URL(service === 'postgres' ? testAdminDsn() : testRedisUrl());
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: Number(url.port) || (service === 'postgres' ? 5432 : 6379),
  };
}

/** The PostgreSQL DSN with its password hidden, for messages. */
export function redactedAdminDsn(): string {
  const url = new URL(testAdminDsn());
  if (url.password) url.password = '***';
  return url.toString();
}

export function nginxPath(): string | undefined {
  return env('NGINX_PATH') ?? ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
}

export function chromiumPath(): string {
  return env('CHROMIUM_PATH') ?? '/usr/bin/chromium';
}

/** The first executable `name` on PATH. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (!dir) continue;
    const candidate = `${dir}/${name}`;
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

export function kubectlPath(): string | undefined {
  return env('KUBECTL_PATH') ?? onPath('kubectl');
}

export function redisServerPath(): string | undefined {
  return env('REDIS_SERVER_PATH') ?? onPath('redis-server');
}

/** REQUIRE_SERVICES=1: an unreachable service fails the run instead of skipping its tests. */
export function servicesRequired(): boolean {
  return process.env['REQUIRE_SERVICES'] === '1';
}

export type TestService = 'postgres' | 'redis' | 'nginx' | 'chromium' | 'kubectl' | 'redis-server';

const SERVICE_NAMES: Record<TestService, () => string> = {
  postgres: () => `PostgreSQL at ${redactedAdminDsn()} (TEST_PG_ADMIN_DSN)`,
  redis: () => `Redis at ${testRedisUrl()} (TEST_REDIS_URL)`,
  nginx: () => `nginx (${nginxPath() ?? 'not installed'}; NGINX_PATH)`,
  chromium: () => `Chromium at ${chromiumPath()} (CHROMIUM_PATH)`,
  kubectl: () => `kubectl (${kubectlPath() ?? 'not on PATH'}; KUBECTL_PATH)`,
  'redis-server': () => `redis-server (${redisServerPath() ?? 'not on PATH'}; REDIS_SERVER_PATH)`,
};

let networkProbe: { postgres: boolean; redis: boolean } | undefined;

/**
 * PostgreSQL (`SELECT 1`) and Redis (`PING`), probed once per module registry in a child process:
 * Jest collects describe blocks synchronously, and the decision must be made before any test runs.
 */
function probeNetworkServices(): { postgres: boolean; redis: boolean } {
  if (networkProbe) return networkProbe;
  const script = `
    const net = require('node:net');
    const { Client } = require(${JSON.stringify(require.resolve('pg'))});
    const pg = () => {
      const c = new Client({ connectionString: process.env.DSN, connectionTimeoutMillis: 2000 });
      c.on('error', () => {});
      return c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(() => true, () => false);
    };
    const redis = () => new Promise((resolve) => {
      const u = new URL(process.env.REDIS);
      const s = net.connect({ host: u.hostname.replace(/^\\[|\\]$/g, ''), port: Number(u.port) || 6379 });
      const done = (ok) => { s.destroy(); resolve(ok); };
      s.setTimeout(2000, () => done(false));
      s.once('error', () => done(false));
      s.once('connect', () => s.write('PING\\r\\n'));
      s.on('data', (d) => done(/^[+-]/.test(String(d))));
    });
    Promise.all([pg(), redis()]).then(([postgres, redis]) => process.stdout.write(JSON.stringify({ postgres, redis })));
  `;
  try {
    const out = execFileSync(process.execPath, ['-e', script], {
      env: { ...process.env, DSN: testAdminDsn(), REDIS: testRedisUrl() },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 8_000,
    });
    networkProbe = JSON.parse(out) as { postgres: boolean; redis: boolean };
  } catch {
    networkProbe = { postgres: false, redis: false };
  }
  return networkProbe;
}

/** Whether one service is there, decided synchronously (cached per test file). */
export function serviceAvailable(service: TestService): boolean {
  switch (service) {
    case 'postgres':
    case 'redis':
      return probeNetworkServices()[service];
    case 'nginx':
      return executable(nginxPath());
    case 'chromium':
      return executable(chromiumPath());
    case 'kubectl':
      return executable(kubectlPath());
    case 'redis-server':
      return executable(redisServerPath());
  }
}

function executable(path: string | undefined): boolean {
  if (!path) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type ServiceTier = 'run' | 'skip' | 'fail';

/** The line the end-of-run summary (tools/test/run.mjs) collects into its banner. */
export const SKIP_MARKER = '*** SKIPPED:';

/**
 * What tests needing `needs` do in this process: run; skip (and say so, loudly, naming `what`);
 * or, with REQUIRE_SERVICES=1, fail.
 */
export function serviceTier(needs: readonly TestService[], what: string): ServiceTier {
  const missing = needs.filter((s) => !serviceAvailable(s));
  if (missing.length === 0) return 'run';
  if (servicesRequired()) return 'fail';
  process.stderr.write(
    `\n${SKIP_MARKER} ${what} — ${missing.map((s) => SERVICE_NAMES[s]()).join(', ')} not available. ***\n` +
      `*** Start it (or point the variable at one), or set REQUIRE_SERVICES=1 to make this a failure. ***\n`,
  );
  return 'skip';
}

/** Why tests needing `needs` cannot run, for a failure under REQUIRE_SERVICES=1. */
export function missingServicesMessage(needs: readonly TestService[]): string {
  const missing = needs.filter((s) => !serviceAvailable(s));
  return `REQUIRE_SERVICES=1 but ${missing.map((s) => SERVICE_NAMES[s]()).join(', ')} not available`;
}

type Describe = ((name: string, fn: () => void) => void) & { skip: (name: string, fn: () => void) => void };
type It = (name: string, fn: () => void) => void;

/**
 * `describe` for tests that need services: runs when they are there; otherwise every test in it is
 * reported as skipped (describe.skip, decided before any test runs) with a loud message — or, with
 * REQUIRE_SERVICES=1, one failing test says what is missing.
 */
export function describeWithServices(needs: readonly TestService[], name: string, fn: () => void): void {
  const { describe, it } = globalThis as unknown as { describe: Describe; it: It };
  const tier = serviceTier(needs, name);
  if (tier === 'run') describe(name, fn);
  else if (tier === 'skip') describe.skip(name, fn);
  else
    describe(name, () => {
      it(`needs ${needs.join(', ')} (REQUIRE_SERVICES=1)`, () => {
        throw new Error(missingServicesMessage(needs));
      });
    });
}
