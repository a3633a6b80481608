import type { KvStore } from '@sentinel/server-core';

export interface LockoutPolicy {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

export type LockState = { locked: false } | { locked: true; retryAfterSeconds: number };

export type FailureOutcome =
  /** A counted failure below the limit. */
  | { kind: 'counted'; failures: number }
  /** This failure was the N-th: the account is now locked (exactly one caller sees this). */
  | { kind: 'locked_now'; retryAfterSeconds: number }
  /** The limit had already been reached by concurrent attempts: treated as locked. */
  | { kind: 'over_limit'; retryAfterSeconds: number };

/**
 * Login lockout per account (OWASP: per account, not per source IP), in the KvStore so that every
 * instance shares it. Failures are counted with one atomic INCR whose key expires after the
 * window; the N-th failure sets the lock. Parallel attempts therefore lock at exactly N: the INCR
 * hands out 1..k without gaps, and only the caller that drew N sets the lock.
 */
export class LoginLockout {
  constructor(private readonly kv: KvStore) {}

  private failKey(account: string): string {
    return `admin:login:fail:${account}`;
  }
  private lockKey(account: string): string {
    return `admin:login:lock:${account}`;
  }

  async state(account: string): Promise<LockState> {
    const ttl = await this.kv.pttl(this.lockKey(account));
    return ttl > 0 || ttl === -1
      ? { locked: true, retryAfterSeconds: ttl > 0 ? Math.ceil(ttl / 1000) : 1 }
      : { locked: false };
  }

  async recordFailure(account: string, policy: LockoutPolicy): Promise<FailureOutcome> {
    const failures = await this.kv.incr(this.failKey(account), 1, policy.windowSeconds * 1000);
    if (failures < policy.maxFailures) return { kind: 'counted', failures };
    if (failures === policy.maxFailures) {
      const ttlMs = policy.lockSeconds * 1000;
      await this.kv.set(this.lockKey(account), String(Date.now()), { ttlMs });
      // The counter lives as long as the lock (never deleted: a concurrent attempt that checked
      // before the lock existed must still draw > N), and a fresh window starts after it.
      await this.kv.set(this.failKey(account), String(failures), { ttlMs });
      return { kind: 'locked_now', retryAfterSeconds: policy.lockSeconds };
    }
    const state = await this.state(account);
    return { kind: 'over_limit', retryAfterSeconds: state.locked ? state.retryAfterSeconds : 1 };
  }

  async recordSuccess(account: string): Promise<void> {
    await this.kv.del(this.failKey(account));
  }
}
