import { FakeUpstream } from './fake-upstream';
import { SentinelProcess } from './sentinel-process';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  realServicesAvailable,
  redisPrefix,
  redisUrlFor,
  type TestDatabase,
} from './services';

/**
 * What most e2e suites need: a fake New API, a database and a Redis prefix of their own, and
 * Sentinel processes wired to them. Call `start()` inside describeWithServices(['postgres',
 * 'redis'], …): it throws when a service is missing, so a suite can never pass without running.
 */
export class RealStack {
  private readonly sentinels: SentinelProcess[] = [];

  private constructor(
    readonly upstream: FakeUpstream,
    readonly db: TestDatabase,
    readonly prefix: string,
  ) {}

  static async start(): Promise<RealStack> {
    await realServicesAvailable();
    return new RealStack(await new FakeUpstream().start(), await createTestDatabase(), redisPrefix());
  }

  /** Environment for a Sentinel on this stack; `pgPort`/`redisPort` route through relays. */
  env(
    extra: Record<string, string | undefined> = {},
    ports: { pg?: number; redis?: number } = {},
  ): Record<string, string | undefined> {
    return {
      DOWNSTREAM_URL: this.upstream.url,
      PG_DSN: this.db.dsn(ports.pg),
      REDIS_ADDR: redisUrlFor(ports.redis),
      REDIS_KEY_PREFIX: this.prefix,
      ...extra,
    };
  }

  /** A started Sentinel on this stack, stopped by stop(). */
  async sentinel(
    extra: Record<string, string | undefined> = {},
    ports: { pg?: number; redis?: number } = {},
  ): Promise<SentinelProcess> {
    const s = await new SentinelProcess({ env: this.env(extra, ports) }).start();
    this.sentinels.push(s);
    return s;
  }

  async stop(): Promise<void> {
    for (const s of this.sentinels) if (s.exitCode === null) await s.stop();
    await this.upstream.stop();
    await this.db.drop();
    await cleanupRedisPrefix(this.prefix);
  }
}
