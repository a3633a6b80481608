/**
 * The small port through which modules use Redis. Two adapters: ioredis (production, shared by
 * every instance) and an in-process map (embedded quick start, single instance only).
 *
 * Keys are given without the global prefix; the adapter applies REDIS_KEY_PREFIX.
 * Every method rejects quickly when the backend is unreachable (no offline queue), so callers can
 * fall back (docs/degraded-modes.md) instead of waiting.
 */
import type { TokenTake } from './token-bucket';

export interface KvSetOptions {
  /** Expire after this many milliseconds. */
  ttlMs?: number;
  /** Only set when the key does not exist (SET NX). */
  onlyIfAbsent?: boolean;
}

export type KvMessageHandler = (message: string) => void;

export interface KvStore {
  /** 'redis' or 'memory' — for readiness and start-up warnings. */
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** Returns false when `onlyIfAbsent` was given and the key existed. */
  set(key: string, value: string, options?: KvSetOptions): Promise<boolean>;
  del(...keys: string[]): Promise<number>;
  /** INCRBY; when the key is created by this call and ttlMs is given, it expires after ttlMs. */
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** Remaining time to live in ms; -1 without expiry, -2 when missing. */
  pttl(key: string): Promise<number>;
  /** LPUSH then LTRIM to `max` items, refreshing the TTL. */
  pushCapped(key: string, value: string, max: number, ttlMs?: number): Promise<void>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  /**
   * Cache fill guarded by a generation key: SET `key` only while `guardKey` still holds
   * `expected` (null = absent). An admin change bumps the guard after its commit, so a fill that
   * read the database before the change can never write its stale value back. Atomic.
   */
  setIfUnchanged(
    guardKey: string,
    expected: string | null,
    key: string,
    value: string,
    ttlMs: number,
  ): Promise<boolean>;
  /**
   * Token bucket `key` (see token-bucket.ts): take `cost` tokens (negative: give back), refilling
   * at `ratePerMinute` up to `burst`. Atomic and shared by every instance on Redis.
   */
  takeToken(key: string, ratePerMinute: number, burst: number, cost?: number): Promise<TokenTake>;
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes for the process lifetime; returns an unsubscribe function. */
  subscribe(channel: string, handler: KvMessageHandler): Promise<() => Promise<void>>;
  /**
   * `listener` runs each time the subscription connection is back after it was lost (a Redis
   * restart, a network cut, a Sentinel failover): messages published meanwhile were missed.
   * Returns a function that removes the listener. The in-process store never calls it.
   */
  onResubscribed(listener: () => void): () => void;
  ping(): Promise<void>;
  /** True when the adapter believes the backend is reachable right now. */
  isUp(): boolean;
  close(): Promise<void>;
}

export const KV_STORE = Symbol('KV_STORE');
