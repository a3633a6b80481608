import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { http } from '../support/http';
import type { DashboardResponse } from '@sentinel/admin-contract';
import { api, eventually, login, relay } from '../admin/admin-support';
import { SentinelProcess, TEST_SECRETS } from '../support/sentinel-process';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  realServicesAvailable,
  redisPrefix,
  type TestDatabase,
} from '../support/services';
import { TcpRelay } from '../support/tcp-relay';
import { FakeUpstream } from '../support/fake-upstream';
import { describeWithServices, testRedisUrl } from '@sentinel/testing-support';

describe('start-up and configuration', () => {
  it.each([
    ['SENTINEL_FAILSAFE_MODE', 'maybe'],
    ['APP_PORT', 'abc'],
    ['TRUSTED_PROXY_IPS', '300.1.1.1'],
  ])('%s=%s stops the process with a message naming the variable', async (name, value) => {
    const s = new SentinelProcess({ env: { [name]: value }, waitForHealth: false });
    await s.start();
    const code = await s.waitForExit();
    await s.stop();
    expect(code).not.toBe(0);
    expect(s.output).toContain(`${name}:`);
    expect(s.output).toContain(JSON.stringify(value));
    expect(s.output).toContain('Refusing to start');
  });

  it('refuses a placeholder secret in production', async () => {
    const s = new SentinelProcess({
      env: { NODE_ENV: 'production', SENTINEL_HMAC_SECRET: 'replace-with-a-random-32-byte-secret' },
      waitForHealth: false,
    });
    await s.start();
    expect(await s.waitForExit()).not.toBe(0);
    await s.stop();
    expect(s.output).toMatch(/SENTINEL_HMAC_SECRET: still holds a placeholder/);
  });
});

describe('embedded quick start (no PG_DSN, no REDIS_ADDR, no secrets)', () => {
  let dataDir: string;
  let upstream: FakeUpstream;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sentinel-quickstart-'));
    upstream = await new FakeUpstream().start();
  });
  afterAll(async () => {
    await upstream.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const quickStart = () =>
    new SentinelProcess({
      dataDir,
      env: {
        SENTINEL_HMAC_SECRET: undefined,
        ADMIN_JWT_SECRET: undefined,
        ADMIN_PASSWORD: undefined,
        DOWNSTREAM_URL: upstream.url,
      },
    });

  it('serves /health, generates secrets once, and keeps its data across a restart', async () => {
    const first = await quickStart().start();
    expect(await http(`${first.url}/health`)).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    const secretsFile = join(dataDir, 'secrets.json');
    expect(first.output).toContain(secretsFile);
    expect(first.output).toMatch(/Password: \S+ {2}\(generated on this first start/);
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(first.output).toMatch(/in-process/);

    // A first request binds the token to 127.0.0.2 in the embedded database.
    const auth = { authorization: 'Bearer sk-quickstartkey0000000000000000000000000000000001' };
    expect((await http(`${first.url}/v1/models`, { headers: auth, from: '127.0.0.2' })).status).toBe(200);
    expect(await first.stop()).toBe(0);

    const second = await quickStart().start();
    expect(second.output).not.toMatch(/Generated an admin password|Password:/);
    expect(second.output).toContain(secretsFile);
    // The binding survived the restart: another address is refused, the bound one allowed.
    expect((await http(`${second.url}/v1/models`, { headers: auth, from: '127.0.0.3' })).status).toBe(403);
    expect((await http(`${second.url}/v1/models`, { headers: auth, from: '127.0.0.2' })).status).toBe(200);
    const ready = await http(`${second.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await second.stop()).toBe(0);
  }, 180_000); // two embedded starts: each opens PGlite, 15–25 s on a loaded machine

  it('keeps the dashboard’s "today" counters across a restart (DATA_DIR/kv-snapshot.json)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-quickstart-'));
    const start = () => new SentinelProcess({ dataDir: dir, env: { DOWNSTREAM_URL: upstream.url } }).start();
    const today = async (url: string) =>
      (await api<DashboardResponse>(url, 'GET', 'dashboard', { token: await login(url) })).json.today;
    try {
      const first = await start();
      expect(first.output).toMatch(/in-process/);
      const key = 'sk-quickstartcounter00000000000000000000000000001';
      expect((await relay(first.url, key, '127.0.0.2')).status).toBe(200); // binds
      expect((await relay(first.url, key, '127.0.0.2')).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await relay(first.url, key, '127.0.0.3')).status).toBe(403);
      const counted = { allowed: 2, intercepted: 3, newBindings: 1 };
      expect(
        await eventually(
          () => today(first.url),
          (t) => t.intercepted === 3,
          15_000,
        ),
      ).toMatchObject(counted);
      expect(await first.stop()).toBe(0);

      const second = await start();
      expect(await today(second.url)).toMatchObject(counted);
      expect(await second.stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('keeps a login lockout across a restart: a restart is no way to reset it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-quickstart-'));
    const start = () => new SentinelProcess({ dataDir: dir, env: { DOWNSTREAM_URL: upstream.url } }).start();
    const signIn = (url: string, password: string) => api(url, 'POST', 'login', { body: { password } });
    try {
      const first = await start();
      for (let i = 0; i < 5; i++) expect((await signIn(first.url, 'not-the-password')).status).toBe(401);
      expect((await signIn(first.url, TEST_SECRETS.ADMIN_PASSWORD)).status).toBe(429);
      expect(await first.stop()).toBe(0);

      const second = await start();
      expect((await signIn(second.url, TEST_SECRETS.ADMIN_PASSWORD)).status).toBe(429);
      expect(await second.stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

// On real PostgreSQL: opening the embedded one costs 15–25 s per start on a loaded machine.
describeWithServices(['postgres'], 'the start-up summary and the New API probe', () => {
  let enabled = false;
  let upstream: FakeUpstream;
  let db: TestDatabase;
  beforeAll(async () => {
    enabled = await realServicesAvailable('the start-up summary', ['postgres']);
    if (!enabled) return;
    upstream = await new FakeUpstream().start();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (!enabled) return;
    await upstream.stop();
    await db.drop();
  });
  const pg = () => ({ PG_DSN: db.dsn() });

  const summaryLines = (s: SentinelProcess) =>
    s.stderr
      .trimEnd()
      .split('\n')
      .filter((l) => l.startsWith('[sentinel]'));

  it('ends start-up with the console URL, the generated password once, the SDK base URL and New API', async () => {
    if (!enabled) return;
    const dataDir = mkdtempSync(join(tmpdir(), 'sentinel-summary-'));
    try {
      const env = {
        SENTINEL_HMAC_SECRET: undefined,
        ADMIN_JWT_SECRET: undefined,
        ADMIN_PASSWORD: undefined,
        DOWNSTREAM_URL: upstream.url,
        ...pg(),
      };
      const first = await new SentinelProcess({ dataDir, env }).start();
      await first.stop();
      const password = (JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { adminPassword: string })
        .adminPassword;
      const base = `http://localhost:${first.port}`;
      // The last lines written at start-up, in this order, nothing after them.
      expect(summaryLines(first).slice(-5)).toEqual([
        '[sentinel] Sentinel is ready.',
        `[sentinel]   Console:  ${base}/admin/ui/`,
        `[sentinel]   Password: ${password}  (generated on this first start; kept in ${join(dataDir, 'secrets.json')})`,
        `[sentinel]   SDKs:     point base_url at ${base}/v1 (instead of New API)`,
        `[sentinel]   New API:  ${upstream.url} (reachable)`,
      ]);
      expect(first.stderr.trimEnd().endsWith(`[sentinel]   New API:  ${upstream.url} (reachable)`)).toBe(true);
      // The password appears once, and Nest's route mapping is not logged at info.
      expect(first.output.split(password).length - 1).toBe(1);
      expect(first.output).not.toMatch(/RouterExplorer|RoutesResolver|InstanceLoader|Mapped \{/);
      expect(upstream.requests.some((r) => r.method === 'GET' && r.url === '/api/status')).toBe(true);

      const second = await new SentinelProcess({ dataDir, env }).start();
      await second.stop();
      const lines = summaryLines(second);
      expect(lines.slice(-3)[0]).toBe(`[sentinel]   Console:  http://localhost:${second.port}/admin/ui/`);
      expect(second.output).not.toContain(password);
      expect(second.output).not.toMatch(/Password:/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('New API unreachable: a warning, UNREACHABLE in the summary, readiness 200 with newApi down and a reason', async () => {
    if (!enabled) return;
    const port = await freePort(); // nothing listens there
    const down = `http://127.0.0.1:${port}`;
    const s = await new SentinelProcess({ env: { DOWNSTREAM_URL: down, ...pg() } }).start();
    try {
      const warning = s.output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: string; msg: string; downstream?: string; reason?: string })
        .find((l) => l.msg.startsWith('New API is unreachable'));
      expect(warning).toMatchObject({ level: 'warn', downstream: down });
      expect(warning?.reason).toMatch(/ECONNREFUSED/);
      expect(s.stderr.trimEnd().split('\n').pop()).toMatch(
        new RegExp(`^\\[sentinel\\] {3}New API: {2}${down.replace(/\./g, '\\.')} is UNREACHABLE \\(ECONNREFUSED`),
      );

      const ready = await http(`${s.url}/health/ready`);
      expect(ready.status).toBe(200);
      const body = JSON.parse(ready.body) as { details: Record<string, { status: string; message?: string }> };
      expect(body.details['newApi']).toMatchObject({ status: 'down', url: down, required: false });
      expect(body.details['newApi'].message).toMatch(/ECONNREFUSED/);
      expect(body.details['postgres'].status).toBe('up');
    } finally {
      await s.stop();
    }
  });

  it('READINESS_REQUIRES_NEW_API=true: readiness is 503 while New API is unreachable, 200 when it answers', async () => {
    if (!enabled) return;
    const port = await freePort();
    const s = await new SentinelProcess({
      env: { DOWNSTREAM_URL: `http://127.0.0.1:${port}`, READINESS_REQUIRES_NEW_API: 'true', ...pg() },
    }).start();
    try {
      const ready = await http(`${s.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body).error.newApi).toMatchObject({ status: 'down', required: true });
      expect(await http(`${s.url}/health`)).toMatchObject({ status: 200 });
    } finally {
      await s.stop();
    }
    const up = await new SentinelProcess({
      env: { DOWNSTREAM_URL: upstream.url, READINESS_REQUIRES_NEW_API: 'true', ...pg() },
    }).start();
    try {
      const ready = await http(`${up.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body).info.newApi).toMatchObject({ status: 'up', httpStatus: 200, required: true });
    } finally {
      await up.stop();
    }
  });
});

describeWithServices(['postgres', 'redis'], 'real PostgreSQL and Redis', () => {
  let enabled = false;
  let db: TestDatabase;
  let relay: TcpRelay;
  let prefix: string;
  let sentinel: SentinelProcess;

  beforeAll(async () => {
    enabled = await realServicesAvailable();
    if (!enabled) return;
    db = await createTestDatabase();
    relay = await TcpRelay.to('postgres').start();
    prefix = redisPrefix();
    sentinel = await new SentinelProcess({
      env: {
        // The original tool's DSN form is accepted as is.
        PG_DSN: `postgresql+asyncpg://postgres@127.0.0.1:${relay.port}/${db.name}`,
        REDIS_ADDR: testRedisUrl(),
        REDIS_KEY_PREFIX: prefix,
      },
    }).start();
  });
  afterAll(async () => {
    if (!enabled) return;
    await sentinel.stop();
    await relay.stop();
    await db.drop();
    await cleanupRedisPrefix(prefix);
  });

  it('applies the migrations', async () => {
    if (!enabled) return;
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        'token_bindings',
        'intercept_logs',
        'archived_bindings',
        'admin_audit',
        'runtime_settings',
      ]),
    );
  });

  it('readiness reports both up; with PostgreSQL cut it says 503 while /health stays 200', async () => {
    if (!enabled) return;
    const up = await http(`${sentinel.url}/health/ready`);
    expect(up.status).toBe(200);
    const body = JSON.parse(up.body);
    expect(body.info.postgres.status).toBe('up');
    expect(body.info.redis.status).toBe('up');

    relay.cutAll();
    const down = await http(`${sentinel.url}/health/ready`);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body).error.postgres.status).toBe('down');
    expect(await http(`${sentinel.url}/health`)).toMatchObject({ status: 200, body: '{"status":"ok"}' });

    relay.restore();
    let recovered = 0;
    for (let i = 0; i < 50 && recovered !== 200; i++) {
      recovered = (await http(`${sentinel.url}/health/ready`)).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(200);
  });
});

describe('the console served by Sentinel itself (no nginx in front)', () => {
  let s: SentinelProcess;
  beforeAll(async () => {
    s = await new SentinelProcess().start();
  });
  afterAll(async () => {
    await s.stop();
  });

  it('serves /admin/ui/ with its base href, and deep links fall back to index.html', async () => {
    const root = await http(`${s.url}/admin/ui/`);
    expect(root.status).toBe(200);
    expect(root.headers['content-type']).toMatch(/text\/html/);
    expect(root.body).toContain('<base href="/admin/ui/"');
    const deep = await http(`${s.url}/admin/ui/bindings/42`);
    expect(deep.status).toBe(200);
    expect(deep.body).toBe(root.body);
    const bare = await http(`${s.url}/admin/ui`);
    expect(bare.status).toBe(301);
    expect(bare.headers['location']).toBe('/admin/ui/');
  });

  it('serves the hashed bundles and 404s a missing file', async () => {
    const root = await http(`${s.url}/admin/ui/`);
    const script = /src="(main-[A-Z0-9]+\.js)"/.exec(root.body)?.[1];
    expect(script).toBeDefined();
    const js = await http(`${s.url}/admin/ui/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await http(`${s.url}/admin/ui/nope-12345678.js`)).status).toBe(404);
  });
});
