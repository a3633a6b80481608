/**
 * 'all-instances' when the invalidation was broadcast; 'local' when Redis was unreachable (other
 * instances then converge within the L1 TTL).
 */
export type Propagation = 'all-instances' | 'local';

/** Read-only counters for metrics and the benchmark (since start, this instance). */
export interface BindingCacheStats {
  readonly l1Hits: number;
  readonly l1Misses: number;
  readonly l1Entries: number;
  /** Binding lookups that asked Redis. */
  readonly redisLookups: number;
  /** PostgreSQL statements of binding lookups (a lookup-or-bind, a race loser's re-read). */
  readonly postgresReads: number;
  /** Bindings those statements created. */
  readonly postgresInserts: number;
  /** Lookups that joined one already in flight for the same token. */
  readonly sharedLookups: number;
}

/**
 * What other modules may do to the binding caches: drop tokens after a committed change, and read
 * the counters. The binding module provides it (its cache owner is the only implementation); no
 * other module holds the caches themselves, so no fourth writer can miss the guarantee that no
 * request is allowed by the old binding once the admin call has returned.
 */
export abstract class BindingInvalidator {
  /**
   * After a change to these tokens' bindings has committed: drops them from this instance's L1
   * synchronously, then from Redis, and broadcasts to every instance before it resolves.
   */
  abstract invalidate(tokenHashes: readonly string[]): Promise<Propagation>;
  abstract get stats(): BindingCacheStats;
}
