import type { CompiledBinding } from '../rules/binding-rule';

interface L1Entry {
  binding: CompiledBinding;
  expiresAt: number;
}

/**
 * In-process decision cache: token id → compiled binding. Bounded (oldest insertion evicted
 * first) with a TTL that bounds staleness when pub/sub invalidation is unavailable.
 *
 * `epoch` increases on every invalidation. A fill captures the epoch before it reads Redis or
 * PostgreSQL and is dropped if an invalidation arrived meanwhile, so an in-flight fill can never
 * resurrect a binding that an admin changed or removed.
 */
export class L1Cache {
  private readonly map = new Map<string, L1Entry>();
  private epochValue = 0;
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
    this.hits++;
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
    this.map.set(key, { binding, expiresAt: this.now() + this.ttlMs });
    return true;
  }

  invalidate(tokenHash: string): void {
    this.epochValue++;
    this.map.delete(tokenHash);
  }

  invalidateAll(): void {
    this.epochValue++;
    this.map.clear();
  }
}
