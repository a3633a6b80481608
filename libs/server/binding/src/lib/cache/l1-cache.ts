import type { CompiledBinding } from '../rules/binding-rule';

interface L1Entry {
  binding: CompiledBinding;
  expiresAt: number;
  /** The trust era it was filled in; older than the current era → suspect. */
  era: number;
}

/**
 * In-process decision cache: token id → compiled binding. Bounded (oldest insertion evicted
 * first) with a TTL that bounds staleness when pub/sub invalidation is unavailable.
 *
 * `epoch` increases on every invalidation. A fill captures the epoch before it reads Redis or
 * PostgreSQL and is dropped if an invalidation arrived meanwhile, so an in-flight fill can never
 * resurrect a binding that an admin changed or removed.
 *
 * `markAllSuspect()` (the invalidation channel was lost, so invalidations may have been missed)
 * starts a new trust era: entries filled before it no longer answer `get()` — the next request
 * re-reads Redis or PostgreSQL — but `suspect()` still returns them, within their TTL, for when
 * neither can be asked (a decision that was right a moment ago beats the failsafe).
 */
export class L1Cache {
  private readonly map = new Map<string, L1Entry>();
  private epochValue = 0;
  private eraValue = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get epoch(): number {
    return this.epochValue;
  }

  get size(): number {
    return this.map.size;
  }

  get(tokenHash: string): CompiledBinding | undefined {
    const e = this.map.get(tokenHash);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    if (e.expiresAt <= this.now()) {
      this.map.delete(tokenHash);
      this.misses++;
      return undefined;
    }
    if (e.era !== this.eraValue) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return e.binding;
  }

  /** An entry from before the last `markAllSuspect()`, still within its TTL; only as a fallback. */
  suspect(tokenHash: string): CompiledBinding | undefined {
    const e = this.map.get(tokenHash);
    if (e === undefined || e.era === this.eraValue || e.expiresAt <= this.now()) return undefined;
    return e.binding;
  }

  /** Stores only if no invalidation happened since `epochAtStart`. */
  fill(epochAtStart: number, binding: CompiledBinding): boolean {
    if (epochAtStart !== this.epochValue) return false;
    const key = binding.state.tokenHash;
    if (!this.map.has(key) && this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.delete(key);
    this.map.set(key, { binding, expiresAt: this.now() + this.ttlMs, era: this.eraValue });
    return true;
  }

  invalidate(tokenHash: string): void {
    this.epochValue++;
    this.map.delete(tokenHash);
  }

  /** Invalidations may have been missed: every current entry must be re-read before it answers. */
  markAllSuspect(): void {
    this.epochValue++; // a fill in flight may have read across the gap
    this.eraValue++;
  }

  invalidateAll(): void {
    this.epochValue++;
    this.map.clear();
  }
}
