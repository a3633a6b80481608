import { parseHostPort } from './env.schema';
import { ConfigFixture, TEST_CONFIG_SECRETS as secrets } from './config-fixture.spec-helper';

describe('Redis topology configuration (REDIS_ADDR or REDIS_SENTINELS)', () => {
  const fixture = new ConfigFixture('redis-config');
  beforeEach(() => fixture.setUp());
  afterEach(() => fixture.tearDown());
  const load = (env: Record<string, string>) => fixture.load({ ...secrets, ...env });
  const problemsOf = (env: Record<string, string>) => fixture.problemsOf({ ...secrets, ...env });

  it('parses REDIS_SENTINELS, REDIS_MASTER_NAME and REDIS_SENTINEL_PASSWORD into the sentinel config', () => {
    const c = load({
      REDIS_SENTINELS: ' sentinel-0:26379, 10.0.0.7:26380 ,[fd00::1]:26381',
      REDIS_MASTER_NAME: 'mymaster',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pass',
      REDIS_PASSWORD: 'master-pass',
    });
    expect(c.redis.url).toBeUndefined();
    expect(c.redis.password).toBe('master-pass');
    expect(c.redis.sentinel).toEqual({
      nodes: [
        { host: 'sentinel-0', port: 26379 },
        { host: '10.0.0.7', port: 26380 },
        { host: 'fd00::1', port: 26381 },
      ],
      masterName: 'mymaster',
      password: 'sentinel-pass',
    });
    expect(c.inProcessRedis).toBe(false);
  });

  it('leaves the sentinel password unset when REDIS_SENTINEL_PASSWORD is empty', () => {
    const c = load({ REDIS_SENTINELS: 's:26379', REDIS_MASTER_NAME: 'm', REDIS_SENTINEL_PASSWORD: '' });
    expect(c.redis.sentinel?.password).toBeUndefined();
  });

  it('keeps REDIS_ADDR working alone, without a sentinel config', () => {
    const c = load({ REDIS_ADDR: 'redis://redis:6379/2' });
    expect(c.redis.url).toBe('redis://redis:6379/2');
    expect(c.redis.sentinel).toBeUndefined();
    expect(c.inProcessRedis).toBe(false);
  });

  it('serves Redis in-process when neither is set', () => {
    const c = load({});
    expect(c.redis.sentinel).toBeUndefined();
    expect(c.inProcessRedis).toBe(true);
  });

  it('refuses REDIS_SENTINELS without REDIS_MASTER_NAME', () => {
    expect(problemsOf({ REDIS_SENTINELS: 's:26379' })).toEqual([
      expect.stringMatching(/^REDIS_MASTER_NAME: required with REDIS_SENTINELS/),
    ]);
  });

  it('refuses REDIS_SENTINELS together with REDIS_ADDR', () => {
    expect(problemsOf({ REDIS_SENTINELS: 's:26379', REDIS_MASTER_NAME: 'm', REDIS_ADDR: 'redis://r:6379' })).toEqual([
      expect.stringMatching(/^REDIS_ADDR: set either REDIS_ADDR .* or REDIS_SENTINELS/),
    ]);
  });

  it('refuses REDIS_MASTER_NAME or REDIS_SENTINEL_PASSWORD without REDIS_SENTINELS', () => {
    expect(problemsOf({ REDIS_MASTER_NAME: 'm', REDIS_SENTINEL_PASSWORD: 'p' })).toEqual([
      expect.stringMatching(/^REDIS_MASTER_NAME: only meaningful with REDIS_SENTINELS/),
      expect.stringMatching(/^REDIS_SENTINEL_PASSWORD: only meaningful with REDIS_SENTINELS/),
    ]);
  });

  it.each(['sentinel-0', 'sentinel-0:', ':26379', 'a:0', 'a:65536', 'a:26379,b', 'redis://a:26379', ','])(
    'refuses the malformed REDIS_SENTINELS %j, naming the variable',
    (value) => {
      const problems = problemsOf({ REDIS_SENTINELS: value, REDIS_MASTER_NAME: 'm' });
      expect(problems).toEqual([
        expect.stringMatching(/^REDIS_SENTINELS: REDIS_SENTINELS must be a comma-separated list of host:port/),
      ]);
    },
  );

  it('parseHostPort accepts names, IPv4 and bracketed IPv6, and nothing else', () => {
    expect(parseHostPort('redis-sentinel.ns.svc:26379')).toEqual({ host: 'redis-sentinel.ns.svc', port: 26379 });
    expect(parseHostPort('[::1]:1')).toEqual({ host: '::1', port: 1 });
    expect(parseHostPort('::1:26379')).toBeNull();
    expect(parseHostPort('host:99999')).toBeNull();
  });
});
