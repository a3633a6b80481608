import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppLogger, KV_STORE, type KvStore } from '@sentinel/server-core';
import { BINDING_OPTIONS, type BindingOptions } from '../binding.options';
import { BindingInvalidator, type BindingCacheStats, type Propagation } from './binding-invalidator';
import { L1Cache } from './l1-cache';
import { SharedBindingCache } from './shared-cache';

/** Concurrent Redis invalidations while a batch of tokens is dropped. */
const INVALIDATION_CONCURRENCY = 32;

/**
 * The one owner of binding state outside PostgreSQL: this instance's L1 cache, the Redis tier and
 * the invalidation channel between instances. Only the binding module holds this class (it is not
 * exported from the library); every other module sees it as a {@link BindingInvalidator}.
 */
@Injectable()
export class BindingCaches extends BindingInvalidator implements OnModuleInit, OnModuleDestroy {
  readonly l1: L1Cache;
  readonly shared: SharedBindingCache;
  /**
   * Statements issued against each store, for the benchmark's commands-per-request figure:
   * `postgresReads` counts PostgreSQL statements (a lookup-or-bind, a race loser's re-read),
   * `postgresInserts` the bindings those statements created, `postgresLearns` the addresses learnt.
   */
  readonly io = {
    redisLookups: 0,
    postgresReads: 0,
    postgresInserts: 0,
    postgresLearns: 0,
    staleRereads: 0,
    sharedLookups: 0,
  };
  private unsubscribe: (() => Promise<void>) | undefined;
  private stopResubscribed: (() => void) | undefined;

  constructor(
    @Inject(KV_STORE) private readonly kv: KvStore,
    @Inject(BINDING_OPTIONS) options: BindingOptions,
    private readonly logger: AppLogger,
  ) {
    super();
    this.l1 = new L1Cache(options.l1MaxEntries, options.l1TtlMs);
    this.shared = new SharedBindingCache(kv);
  }

  async onModuleInit(): Promise<void> {
    // After the invalidation channel was lost (Redis restart, Sentinel failover), invalidations may
    // have been missed: this instance's L1 is suspect. Each entry is re-read from Redis/PostgreSQL
    // before it answers again; it still decides only if neither can be asked (l1-cache.ts).
    this.stopResubscribed = this.kv.onResubscribed(() => {
      this.l1.markAllSuspect();
      this.logger.warn('Invalidation channel reconnected; L1 entries are suspect until re-read', 'Binding', {
        entries: this.l1.size,
      });
    });
    try {
      this.unsubscribe = await this.shared.subscribe((tokenHash) =>
        tokenHash === null ? this.l1.invalidateAll() : this.l1.invalidate(tokenHash),
      );
    } catch (e) {
      // Redis down at start: L1 entries then expire by TTL; ioredis resubscribes on reconnect.
      this.logger.warn('Binding invalidation subscription failed; L1 TTL bounds staleness', 'Binding', {
        error: (e as Error).message,
      });
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopResubscribed?.();
    await this.unsubscribe?.().catch(() => undefined);
  }

  async invalidate(tokenHashes: readonly string[]): Promise<Propagation> {
    if (tokenHashes.length === 0) return 'all-instances';
    // This instance first and synchronously: its next lookup re-reads, and a fill in flight is dropped.
    for (const h of tokenHashes) this.l1.invalidate(h);
    if (tokenHashes.length > 1) return this.invalidateBatch(tokenHashes);
    let failed = 0;
    let firstError: string | undefined;
    for (let i = 0; i < tokenHashes.length; i += INVALIDATION_CONCURRENCY) {
      const results = await Promise.allSettled(
        tokenHashes.slice(i, i + INVALIDATION_CONCURRENCY).map((h) => this.shared.invalidate(h)),
      );
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        failed++;
        firstError ??= (r.reason as Error | undefined)?.message;
      }
    }
    if (failed === 0) return 'all-instances';
    this.logger.warn(
      'Invalidation not broadcast (Redis unreachable); other instances converge within the L1 TTL',
      'Binding',
      { tokens: tokenHashes.length, failed, tokenId: tokenHashes[0].slice(0, 12), error: firstError },
    );
    return 'local';
  }

  /** Several tokens: one broadcast for the batch (SharedBindingCache.invalidateMany). */
  private async invalidateBatch(tokenHashes: readonly string[]): Promise<Propagation> {
    try {
      await this.shared.invalidateMany(tokenHashes);
      return 'all-instances';
    } catch (e) {
      this.logger.warn(
        'Invalidation not broadcast (Redis unreachable); other instances converge within the L1 TTL',
        'Binding',
        { tokens: tokenHashes.length, tokenId: tokenHashes[0].slice(0, 12), error: (e as Error).message },
      );
      return 'local';
    }
  }

  get stats(): BindingCacheStats {
    const { hits, misses, size } = this.l1;
    const { redisLookups, postgresReads, postgresInserts, sharedLookups } = this.io;
    return {
      l1Hits: hits,
      l1Misses: misses,
      l1Entries: size,
      redisLookups,
      postgresReads,
      postgresInserts,
      sharedLookups,
    };
  }
}
