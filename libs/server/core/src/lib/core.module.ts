import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { KV_STORE, type KvStore } from './kv/kv-store';
import { MemoryKvStore } from './kv/memory-kv-store';
import { RedisKvStore } from './kv/redis-kv-store';
import { AppLogger } from './logging/app-logger';
import { MetricsRegistry } from './metrics/metrics';
import { DependencyHealth } from './dependency-health';
import { MetricsServer } from './metrics/metrics-server';

@Injectable()
class KvLifecycle implements OnApplicationShutdown {
  constructor(@Inject(KV_STORE) private readonly kv: KvStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.kv.close();
  }
}

export function createKvStore(config: AppConfig, logger: AppLogger): KvStore {
  if (config.inProcessRedis) {
    logger.warn(
      'Neither REDIS_ADDR nor REDIS_SENTINELS is set: serving the Redis role in-process. This is correct for ONE instance ' +
        'only (caches, counters, lockout and invalidation are not shared). Set REDIS_ADDR before ' +
        'running more than one Sentinel.',
      'Core',
    );
    // The quick start keeps its daily counters and lockouts across restarts (DATA_DIR).
    try {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    } catch {
      /* the snapshot retries its write on every tick */
    }
    return new MemoryKvStore(Date.now, { file: join(config.dataDir, 'kv-snapshot.json') });
  }
  const sentinel = config.redis.sentinel;
  if (sentinel) {
    logger.info('Redis through Sentinel', 'Core', {
      masterName: sentinel.masterName,
      sentinels: sentinel.nodes.map((n) => `${n.host}:${n.port}`).join(','),
    });
  }
  return new RedisKvStore({
    url: sentinel ? undefined : config.redis.url,
    sentinel: sentinel
      ? { nodes: sentinel.nodes, masterName: sentinel.masterName, password: sentinel.password }
      : undefined,
    password: config.redis.password,
    keyPrefix: config.redis.keyPrefix,
    onStateChange: (up, error) =>
      up
        ? logger.info('Redis is reachable', 'Core')
        : logger.warn('Redis is unreachable; falling back', 'Core', { error: error?.message }),
  });
}

/**
 * Config, logging, the Redis port and the metrics registry: what every other module needs.
 * Global, so feature modules inject AppConfig / KV_STORE / AppLogger without re-importing.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, logger = new AppLogger(config.logLevel)): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: AppLogger, useValue: logger },
        { provide: KV_STORE, useFactory: () => createKvStore(config, logger) },
        { provide: MetricsRegistry, useFactory: () => new MetricsRegistry() },
        { provide: DependencyHealth, useFactory: () => new DependencyHealth() },
        KvLifecycle,
        MetricsServer,
      ],
      exports: [AppConfig, AppLogger, KV_STORE, MetricsRegistry, DependencyHealth],
    };
  }
}
