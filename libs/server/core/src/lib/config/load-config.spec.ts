import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigFixture, TEST_CONFIG_SECRETS as secrets } from './config-fixture.spec-helper';
import { loadConfig } from './load-config';

describe('loadConfig', () => {
  const fixture = new ConfigFixture('config');
  beforeEach(() => fixture.setUp());
  afterEach(() => fixture.tearDown());
  const load = (env: Record<string, string>, notices: string[] = []) => fixture.load(env, notices);
  const problemsOf = (env: Record<string, string>) => fixture.problemsOf(env);

  it('applies the original tool’s defaults', () => {
    const c = load(secrets);
    expect(c.http.port).toBe(7000);
    expect(c.http.headersTimeoutMs).toBe(20_000);
    expect(c.failsafeMode).toBe('closed');
    expect(c.alert).toEqual({ webhookUrl: undefined, thresholdCount: 5, thresholdSeconds: 300 });
    expect(c.archive.days).toBe(90);
    expect(c.trustedProxies).toEqual([]);
    expect(c.embeddedPostgres).toBe(true);
    expect(c.inProcessRedis).toBe(true);
  });

  it.each([
    ['SENTINEL_FAILSAFE_MODE', 'maybe'],
    ['APP_PORT', 'abc'],
    ['APP_PORT', '70000'],
    ['APP_HEADERS_TIMEOUT_MS', '999'],
    ['APP_HEADERS_TIMEOUT_MS', '20s'],
    ['TRUSTED_PROXY_IPS', '300.1.1.1'],
    ['TRUSTED_PROXY_IPS', '10.0.0.0/8,012.0.0.1'],
    ['DOWNSTREAM_URL', 'new-api:3000'],
    ['REDIS_ADDR', 'localhost:6379'],
    ['PG_DSN', 'mysql://u@h/db'],
    ['ALERT_THRESHOLD_COUNT', '0'],
    ['ARCHIVE_DAYS', '-1'],
    ['ALERT_WEBHOOK_URL', 'ftp://example.com/hook'],
    ['PUBLIC_URL', 'sentinel.example.com'],
  ])('%s=%s stops start-up with a message naming the variable', (name, value) => {
    const problems = problemsOf({ ...secrets, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
    expect(problems[0]).toContain(JSON.stringify(value));
  });

  describe('single sign-on (OIDC_*)', () => {
    const sso = {
      OIDC_ISSUER: 'https://login.example.com/realms/team',
      OIDC_CLIENT_ID: 'sentinel',
      OIDC_CLIENT_SECRET: 'c'.repeat(32),
      OIDC_REDIRECT_URL: 'https://sentinel.example.com/admin/api/oidc/callback',
    };
    it('is off without any of the four, on with all of them', () => {
      expect(load({ ...secrets }).oidc).toBeUndefined();
      expect(
        load({ ...secrets, ...sso, OIDC_ROLE_MAP: 'sentinel-admins=admin, staff = viewer', OIDC_NAME: 'Team' }).oidc,
      ).toEqual({
        issuer: sso.OIDC_ISSUER,
        clientId: 'sentinel',
        clientSecret: sso.OIDC_CLIENT_SECRET,
        redirectUrl: sso.OIDC_REDIRECT_URL,
        roleClaim: 'groups',
        roleMap: { 'sentinel-admins': 'admin', staff: 'viewer' },
        name: 'Team',
      });
    });
    it('refuses some of the four without the others, and a role map entry without a known role', () => {
      expect(problemsOf({ ...secrets, OIDC_ISSUER: sso.OIDC_ISSUER }).join()).toContain('go together');
      expect(problemsOf({ ...secrets, ...sso, OIDC_ROLE_MAP: 'staff=root' }).join()).toContain('OIDC_ROLE_MAP');
    });
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ ...secrets, APP_PORT: 'abc', SENTINEL_FAILSAFE_MODE: 'maybe' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['APP_PORT', 'SENTINEL_FAILSAFE_MODE']);
  });

  it('accepts the three PG_DSN schemes and the original’s empty optional values', () => {
    for (const dsn of [
      'postgresql://u:p@db:5432/sentinel',
      'postgres://u:p@db/sentinel',
      'postgresql+asyncpg://sentinel:password@postgres:5432/sentinel',
    ]) {
      expect(load({ ...secrets, PG_DSN: dsn, REDIS_PASSWORD: '', ALERT_WEBHOOK_URL: '' }).postgres.dsn).toBe(dsn);
    }
  });

  it('normalises TRUSTED_PROXY_IPS to canonical CIDRs', () => {
    const c = load({ ...secrets, TRUSTED_PROXY_IPS: ' 172.30.0.0/24 , 10.0.0.1,::1 ' });
    expect(c.trustedProxies).toEqual(['172.30.0.0/24', '10.0.0.1/32', '::1/128']);
  });

  it('reads .env under the environment (the environment wins)', () => {
    writeFileSync(join(fixture.dir, '.env'), 'APP_PORT=7100\nARCHIVE_DAYS=30\n');
    const c = loadConfig({ env: { ...secrets, APP_PORT: '7200' }, cwd: fixture.dir, notice: () => undefined });
    expect(c.http.port).toBe(7200);
    expect(c.archive.days).toBe(30);
  });

  describe('secrets', () => {
    it.each(['SENTINEL_HMAC_SECRET', 'ADMIN_JWT_SECRET'])('%s shorter than 32 bytes is refused', (name) => {
      expect(problemsOf({ ...secrets, [name]: 'short-secret' })[0]).toMatch(
        new RegExp(`^${name}: must be at least 32 bytes`),
      );
    });

    it.each([
      ['SENTINEL_HMAC_SECRET', 'replace-with-a-random-32-byte-secret'],
      ['ADMIN_JWT_SECRET', 'replace-with-a-random-jwt-secret-of-32-bytes-or-more'],
      ['ADMIN_PASSWORD', 'replace-with-a-strong-password'],
    ])('%s with the placeholder value is refused', (name, value) => {
      expect(problemsOf({ ...secrets, [name]: value })[0]).toMatch(new RegExp(`^${name}: still holds a placeholder`));
    });

    it('in production a missing secret is refused, never generated', () => {
      const problems = problemsOf({ NODE_ENV: 'production' });
      expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'ADMIN_JWT_SECRET',
        'ADMIN_PASSWORD',
        'SENTINEL_HMAC_SECRET',
      ]);
    });

    it('quick start generates strong secrets once, owner-only, and prints the password once', () => {
      const first: string[] = [];
      const a = load({}, first);
      const file = join(fixture.dir, 'data', 'secrets.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(Buffer.byteLength(a.secrets.hmacSecret)).toBeGreaterThanOrEqual(32);
      expect(Buffer.byteLength(a.secrets.jwtSecret)).toBeGreaterThanOrEqual(32);
      expect(first.join('\n')).toContain(a.secrets.adminPassword);
      expect(first.join('\n')).toContain(file);

      const second: string[] = [];
      const b = load({}, second);
      expect(b.secrets).toEqual(a.secrets);
      expect(second.join('\n')).not.toContain(a.secrets.adminPassword);
      expect(second.join('\n')).toContain(file);
      expect(JSON.parse(readFileSync(file, 'utf8')).adminPassword).toBe(a.secrets.adminPassword);
    });

    it('a configured secret wins over the generated file', () => {
      const c = load({ ADMIN_PASSWORD: 'my own password' });
      expect(c.secrets.adminPassword).toBe('my own password');
      expect(c.generatedSecretsFile).toBe(join(fixture.dir, 'data', 'secrets.json'));
    });
  });
});
