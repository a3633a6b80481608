import { MemoryKvStore } from '@sentinel/server-core';
import { LoginLockout, type LockoutPolicy } from './login-lockout';

const policy: LockoutPolicy = { maxFailures: 5, windowSeconds: 900, lockSeconds: 600 };

describe('LoginLockout', () => {
  it('locks at exactly N failures', async () => {
    const lockout = new LoginLockout(new MemoryKvStore());
    for (let i = 1; i < 5; i++)
      expect(await lockout.recordFailure('a', policy)).toEqual({ kind: 'counted', failures: i });
    expect(await lockout.state('a')).toEqual({ locked: false });
    expect(await lockout.recordFailure('a', policy)).toEqual({ kind: 'locked_now', retryAfterSeconds: 600 });
    expect(await lockout.state('a')).toMatchObject({ locked: true });
    expect((await lockout.recordFailure('a', policy)).kind).toBe('over_limit');
  });

  it('50 parallel failures: exactly N counted, exactly one lock', async () => {
    const lockout = new LoginLockout(new MemoryKvStore());
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => lockout.recordFailure('a', policy)));
    expect(outcomes.filter((o) => o.kind === 'counted')).toHaveLength(4);
    expect(outcomes.filter((o) => o.kind === 'locked_now')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'over_limit')).toHaveLength(45);
  });

  it('counts per account', async () => {
    const lockout = new LoginLockout(new MemoryKvStore());
    for (let i = 0; i < 5; i++) await lockout.recordFailure('a', policy);
    expect((await lockout.state('a')).locked).toBe(true);
    expect((await lockout.state('b')).locked).toBe(false);
  });

  it('a success resets the count; the window and the lock expire', async () => {
    let now = 1_000_000;
    const lockout = new LoginLockout(new MemoryKvStore(() => now));
    for (let i = 0; i < 4; i++) await lockout.recordFailure('a', policy);
    await lockout.recordSuccess('a');
    expect(await lockout.recordFailure('a', policy)).toEqual({ kind: 'counted', failures: 1 });
    now += 901_000; // window over
    expect(await lockout.recordFailure('a', policy)).toEqual({ kind: 'counted', failures: 1 });
    for (let i = 0; i < 4; i++) await lockout.recordFailure('a', policy);
    expect(await lockout.state('a')).toEqual({ locked: true, retryAfterSeconds: 600 });
    now += 601_000; // lock over: a fresh window
    expect(await lockout.state('a')).toEqual({ locked: false });
    expect(await lockout.recordFailure('a', policy)).toEqual({ kind: 'counted', failures: 1 });
  });
});
