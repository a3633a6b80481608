import type { AdminErrorBody, AuditListResponse } from '@sentinel/admin-contract';
import { TEST_SECRETS } from '../support/sentinel-process';
import { api, startCluster, type AdminCluster } from './admin-support';
import { describeWithServices, testRedisUrl } from '@sentinel/testing-support';

describeWithServices(['postgres', 'redis'], 'admin login lockout (two instances, one Redis)', () => {
  let cluster: AdminCluster | null = null;

  beforeAll(async () => {
    cluster = await startCluster(2);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('50 parallel wrong passwords from many IPs across two instances lock at exactly N = 5', async () => {
    if (!cluster) return;
    const [A, B] = cluster.instances.map((i) => i.url);
    const attempts = Array.from({ length: 50 }, (_, i) =>
      api<AdminErrorBody>(i % 2 ? A : B, 'POST', 'login', {
        body: { password: `wrong-${i}` },
        from: `127.0.1.${(i % 20) + 1}`,
      }),
    );
    const results = await Promise.all(attempts);
    const counted = results.filter((r) => r.status === 401);
    const locked = results.filter((r) => r.status === 429);
    expect(counted).toHaveLength(5);
    expect(locked).toHaveLength(45);
    for (const r of locked) {
      expect(r.json.error.code).toBe('locked');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(r.json.error.retryAfterSeconds).toBe(Number(r.headers['retry-after']));
    }
    // Messages never say how close a guess was.
    expect(new Set(counted.map((r) => r.json.error.message.replace(/ Too many.*$/, ''))).size).toBe(1);

    // While locked, even the right password is refused, on both instances.
    for (const base of [A, B]) {
      const right = await api<AdminErrorBody>(base, 'POST', 'login', {
        body: { password: TEST_SECRETS.ADMIN_PASSWORD },
      });
      expect(right.status).toBe(429);
      expect(Number(right.headers['retry-after'])).toBeGreaterThan(800);
    }

    const rows = await cluster.db.query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM admin_audit GROUP BY action ORDER BY action`,
    );
    expect(rows).toEqual([
      { action: 'auth.locked', n: 1 },
      { action: 'auth.login_failed', n: 52 },
    ]);
  });

  it('the lock lifts when its key expires; a success then signs in and is audited', async () => {
    if (!cluster) return;
    const { default: Redis } = await import('ioredis');
    const redis = new Redis(testRedisUrl());
    try {
      const keys = await redis.keys(`${cluster.prefix}admin:login:*`);
      expect(keys.length).toBe(2);
      await redis.del(...keys); // stands in for the lock expiring
    } finally {
      redis.disconnect();
    }
    const [A] = cluster.instances.map((i) => i.url);
    const ok = await api<{ accessToken: string }>(A, 'POST', 'login', {
      body: { password: TEST_SECRETS.ADMIN_PASSWORD },
    });
    expect(ok.status).toBe(200);
    const audit = await api<AuditListResponse>(A, 'GET', 'audit?action=auth.login', { token: ok.json.accessToken });
    expect(audit.json.items).toHaveLength(1);
    expect(audit.json.items[0]).toMatchObject({
      actor: 'admin',
      targetType: 'account',
      targetId: 'admin',
      ip: '127.0.0.1',
    });
  });
});
