import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from '../support/http';
import { SentinelProcess } from '../support/sentinel-process';
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
    expect(first.output).toMatch(/Generated an admin password/);
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(first.output).toMatch(/in-process/);

    // A first request binds the token to 127.0.0.2 in the embedded database.
    const auth = { authorization: 'Bearer sk-quickstartkey0000000000000000000000000000000001' };
    expect((await http(`${first.url}/v1/models`, { headers: auth, from: '127.0.0.2' })).status).toBe(200);
    expect(await first.stop()).toBe(0);

    const second = await quickStart().start();
    expect(second.output).not.toMatch(/Generated an admin password/);
    expect(second.output).toContain(secretsFile);
    // The binding survived the restart: another address is refused, the bound one allowed.
    expect((await http(`${second.url}/v1/models`, { headers: auth, from: '127.0.0.3' })).status).toBe(403);
    expect((await http(`${second.url}/v1/models`, { headers: auth, from: '127.0.0.2' })).status).toBe(200);
    const ready = await http(`${second.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await second.stop()).toBe(0);
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
