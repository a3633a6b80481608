import { Inject, Injectable } from '@nestjs/common';
import type { DegradedMode, DependencyState, StatusResponse } from '@sentinel/admin-contract';
import { DependencyHealth, KV_STORE, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { DATA_SOURCE, pingDatabase, type SentinelDataSource } from '@sentinel/server-storage';
import { INSTANCE_ID } from '../common/instance-id';

const PING_MS = 1_000;

/** The degraded-mode state of this instance (docs/degraded-modes.md), probed live. */
@Injectable()
export class StatusService {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: SentinelDataSource,
    @Inject(KV_STORE) private readonly kv: KvStore,
    private readonly health: DependencyHealth,
    private readonly settings: RuntimeSettings,
  ) {}

  async status(): Promise<StatusResponse> {
    const [postgres, redis] = await Promise.all([this.postgres(), this.redis()]);
    const mode: DegradedMode =
      postgres.up && redis.up
        ? 'normal'
        : !postgres.up && !redis.up
          ? 'both_down'
          : postgres.up
            ? 'redis_down'
            : 'postgres_down';
    return {
      instanceId: INSTANCE_ID,
      postgres,
      redis,
      failsafeMode: this.settings.current.failsafeMode,
      mode,
      failsafeActive: !postgres.up,
      checkedAt: new Date().toISOString(),
    };
  }

  private async postgres(): Promise<DependencyState> {
    const mode = this.db.backend === 'pglite' ? 'embedded' : 'postgres';
    try {
      await pingDatabase(this.db, PING_MS);
      const breaker = this.health.postgresState;
      return breaker.up
        ? { up: true, mode }
        : { up: true, mode, error: `recovering: ${breaker.lastError ?? ''}`.trim() };
    } catch (e) {
      return { up: false, mode, error: (e as Error).message };
    }
  }

  private async redis(): Promise<DependencyState> {
    const mode = this.kv.kind === 'memory' ? 'in-process' : 'redis';
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.kv.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Redis did not answer within ${PING_MS} ms`)), PING_MS);
        }),
      ]);
      return { up: true, mode };
    } catch (e) {
      return { up: false, mode, error: (e as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }
}
