import { EventEmitter } from 'node:events';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { KvMessageHandler, KvSetOptions, KvStore } from './kv-store';
import { bucketTtlMs, takeFromBucket, type TokenBucketState, type TokenTake } from './token-bucket';

interface Entry {
  value: string | string[];
  expiresAt: number; // 0 = never
}

export interface MemoryKvSnapshotOptions {
  /** The snapshot file (DATA_DIR/kv-snapshot.json): read at construction, written while running and on close. */
  file: string;
  /** Keys kept across restarts start with one of these (default: SNAPSHOT_PREFIXES). */
  prefixes?: readonly string[];
  /** How often a changed snapshot is written (default 5 s). */
  everyMs?: number;
}

/**
 * What the embedded quick start keeps across a restart: the dashboard's daily counters, the
 * admin login lockout (a restart must not reset a lockout) and the first-use rate buckets. The
 * binding cache is not kept: PostgreSQL (embedded) is its authority and it refills on use.
 * Runtime settings are rows in the embedded PostgreSQL already.
 */
export const SNAPSHOT_PREFIXES: readonly string[] = ['stats:', 'admin:login:', 'bind-rate:'];

/**
 * The Redis role served in-process for the embedded quick start. Correct for one instance only:
 * nothing is shared with other processes. With `snapshot`, the keys under its prefixes (with their
 * expiry) are written to a file every few seconds when they changed and on close, and read back at
 * the next start; everything else is lost with the process.
 */
export class MemoryKvStore implements KvStore {
  readonly kind = 'memory' as const;
  private readonly data = new Map<string, Entry>();
  private readonly bus = new EventEmitter();
  private sweeper: NodeJS.Timeout;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private dirty = false;
  private readonly prefixes: readonly string[];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly snapshot?: MemoryKvSnapshotOptions,
  ) {
    this.bus.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
    this.prefixes = snapshot?.prefixes ?? SNAPSHOT_PREFIXES;
    if (snapshot) {
      this.load(snapshot.file);
      this.snapshotTimer = setInterval(() => this.writeSnapshot(), snapshot.everyMs ?? 5_000);
      this.snapshotTimer.unref();
    }
  }

  /** Writes the kept keys now if they changed (atomically: a temporary file, then rename). */
  writeSnapshot(): void {
    if (!this.snapshot || !this.dirty) return;
    this.dirty = false;
    const t = this.now();
    const entries: [string, Entry][] = [];
    for (const [k, e] of this.data) {
      if (this.kept(k) && (e.expiresAt === 0 || e.expiresAt > t)) entries.push([k, e]);
    }
    const tmp = `${this.snapshot.file}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify({ version: 1, entries }), { mode: 0o600 });
      renameSync(tmp, this.snapshot.file);
    } catch {
      this.dirty = true; // DATA_DIR unwritable for now: try again on the next tick
    }
  }

  private load(file: string): void {
    let parsed: { version?: number; entries?: [string, Entry][] };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
    } catch {
      return; // first start, or a snapshot torn by a crash: start empty
    }
    const t = this.now();
    for (const [k, e] of parsed.entries ?? []) {
      if (typeof k !== 'string' || !this.kept(k) || typeof e?.expiresAt !== 'number') continue;
      if (e.expiresAt !== 0 && e.expiresAt <= t) continue;
      if (typeof e.value !== 'string' && !Array.isArray(e.value)) continue;
      this.data.set(k, { value: e.value, expiresAt: e.expiresAt });
    }
  }

  private kept(key: string): boolean {
    return this.prefixes.some((p) => key.startsWith(p));
  }

  private touched(key: string): void {
    if (!this.dirty && this.snapshot && this.kept(key)) this.dirty = true;
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
    this.touched(key);
    this.data.set(key, { value, expiresAt: options.ttlMs ? this.now() + options.ttlMs : 0 });
    return true;
  }

  async del(...keys: string[]): Promise<number> {
    let n = 0;
    for (const k of keys) {
      if (this.live(k) && this.data.delete(k)) {
        n++;
        this.touched(k);
      }
    }
    return n;
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    const e = this.live(key);
    if (e && typeof e.value !== 'string') throw new Error('WRONGTYPE');
    const current = e ? Number(e.value) : 0;
    if (!Number.isInteger(current)) throw new Error('ERR value is not an integer');
    const next = current + by;
    this.touched(key);
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
    this.touched(key);
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
    this.touched(key);
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
    clearInterval(this.snapshotTimer);
    this.writeSnapshot();
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
