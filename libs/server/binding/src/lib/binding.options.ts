export interface BindingOptions {
  /** How many bindings the in-process cache holds. */
  l1MaxEntries: number;
  /** How long an L1 entry lives without an invalidation: the staleness bound when pub/sub is down. */
  l1TtlMs: number;
  /** How often last_used_at / last_ip are flushed, in one statement. */
  usageFlushMs: number;
  /** How often queued intercept rows are written. */
  interceptFlushMs: number;
  /** Intercept rows kept in memory while PostgreSQL is down; beyond it they are counted as dropped. */
  interceptQueueMax: number;
  /** Bytes the spool under DATA_DIR/spool holds at most (rows PostgreSQL could not take); 0 = no spool. */
  spoolMaxBytes: number;
}

export const DEFAULT_BINDING_OPTIONS: BindingOptions = {
  l1MaxEntries: 100_000,
  l1TtlMs: 30_000,
  usageFlushMs: 5_000,
  interceptFlushMs: 1_000,
  interceptQueueMax: 100_000,
  spoolMaxBytes: 256 * 1024 * 1024,
};

export const BINDING_OPTIONS = Symbol('BINDING_OPTIONS');
