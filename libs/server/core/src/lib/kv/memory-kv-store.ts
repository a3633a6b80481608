import { EventEmitter } from 'node:events';
import type { KvMessageHandler, KvSetOptions, KvStore } from './kv-store';
import { bucketTtlMs, takeFromBucket, type TokenBucketState, type TokenTake } from './token-bucket';

interface Entry {
  value: string | string[];
  expiresAt: number; // 0 = never
}

/**
 * The Redis role served in-process for the embedded quick start. Correct for one instance only:
 * nothing is shared with other processes, and nothing survives a restart.
 */
export class MemoryKvStore implements KvStore {
  readonly kind = 'memory' as const;
  private readonly data = new Map<string, Entry>();
  private readonly bus = new EventEmitter();
  private sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.bus.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    const e = this.live(key);
    return e && typeof e.value === 'string' ? e.value : null;
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async set(key: string, value: string, options: KvSetOptions = {}): Promise<boolean> {
    if (options.onlyIfAbsent && this.live(key)) return false;
    this.data.set(key, { value, expiresAt: options.ttlMs ? this.now() + options.ttlMs : 0 });
    return true;
  }

  async del(...keys: string[]): Promise<number> {
    let n = 0;
    for (const k of keys) if (this.live(k) && this.data.delete(k)) n++;
    return n;
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    const e = this.live(key);
    if (e && typeof e.value !== 'string') throw new Error('WRONGTYPE');
    const current = e ? Number(e.value) : 0;
    if (!Number.isInteger(current)) throw new Error('ERR value is not an integer');
    const next = current + by;
    this.data.set(key, {
      value: String(next),
      expiresAt: e ? e.expiresAt : ttlMs ? this.now() + ttlMs : 0,
    });
    return next;
  }

  async pttl(key: string): Promise<number> {
    const e = this.live(key);
    if (!e) return -2;
    return e.expiresAt === 0 ? -1 : e.expiresAt - this.now();
  }

  async pushCapped(key: string, value: string, max: number, ttlMs?: number): Promise<void> {
    const e = this.live(key);
    const list = e && Array.isArray(e.value) ? e.value : [];
    list.unshift(value);
    if (list.length > max) list.length = max;
    this.data.set(key, { value: list, expiresAt: ttlMs ? this.now() + ttlMs : (e?.expiresAt ?? 0) });
  }

  async lrange(key: string, start: number, stop: number): Promise<string[]> {
    const e = this.live(key);
    if (!e || !Array.isArray(e.value)) return [];
    return e.value.slice(start, stop < 0 ? e.value.length + stop + 1 : stop + 1);
  }

  async setIfUnchanged(
    guardKey: string,
    expected: string | null,
    key: string,
    value: string,
    ttlMs: number,
  ): Promise<boolean> {
    if ((await this.get(guardKey)) !== expected) return false;
    return this.set(key, value, { ttlMs });
  }

  async takeToken(key: string, ratePerMinute: number, burst: number, cost = 1): Promise<TokenTake> {
    // Synchronous from read to write: no other call interleaves (the in-process store's atomicity).
    const e = this.live(key);
    const raw = e && typeof e.value === 'string' ? e.value : null;
    const now = this.now();
    const { state, take } = takeFromBucket(
      raw === null ? undefined : (JSON.parse(raw) as TokenBucketState),
      now,
      ratePerMinute,
      burst,
      cost,
    );
    this.data.set(key, { value: JSON.stringify(state), expiresAt: now + bucketTtlMs(ratePerMinute, burst) });
    return take;
  }

  async publish(channel: string, message: string): Promise<void> {
    this.bus.emit(channel, message);
  }

  async subscribe(channel: string, handler: KvMessageHandler): Promise<() => Promise<void>> {
    this.bus.on(channel, handler);
    return async () => {
      this.bus.off(channel, handler);
    };
  }

  onResubscribed(): () => void {
    // In-process: the subscription is never lost.
    return () => undefined;
  }

  async ping(): Promise<void> {
    /* always reachable */
  }

  isUp(): boolean {
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.bus.removeAllListeners();
  }

  private live(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== 0 && e.expiresAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    return e;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.data) if (e.expiresAt !== 0 && e.expiresAt <= t) this.data.delete(k);
  }
}
