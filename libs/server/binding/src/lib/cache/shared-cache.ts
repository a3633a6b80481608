import type { KvStore } from '@sentinel/server-core';
import type { BindingState } from '../rules/binding-rule';

const CACHE_TTL_MS = 3_600_000;
/** Tokens per round of a batch invalidation (generation bumps in parallel, one DEL). */
const BATCH = 500;

/** Redis keys and the serialised form of a cached binding. */
export const keys = {
  binding: (tokenHash: string) => `binding:${tokenHash}`,
  generation: (tokenHash: string) => `binding-gen:${tokenHash}`,
  invalidationChannel: 'binding-invalidate',
};

interface CachedBinding {
  /** The generation this value was read under; it is valid only while the guard still holds it. */
  g: string | null;
  s: BindingState;
}

export interface SharedLookup {
  /** The cached state, if present and still current. */
  state: BindingState | null;
  /** The generation seen now; a later fill must present it. */
  generation: string | null;
}

/**
 * The Redis tier (cache-aside). Writes are guarded by a per-token generation that admin changes
 * bump after their commit — the cure for the cache-aside race in "Scaling Memcache at Facebook".
 */
export class SharedBindingCache {
  constructor(private readonly kv: KvStore) {}

  get available(): boolean {
    return this.kv.isUp();
  }

  async lookup(tokenHash: string): Promise<SharedLookup> {
    const [raw, generation] = await this.kv.mget([keys.binding(tokenHash), keys.generation(tokenHash)]);
    if (raw === null) return { state: null, generation };
    try {
      const cached = JSON.parse(raw) as CachedBinding;
      if (cached.g !== generation) return { state: null, generation };
      return { state: cached.s, generation };
    } catch {
      return { state: null, generation };
    }
  }

  /** Writes committed state read under `generation`; a no-op if an admin changed it since. */
  async fill(state: BindingState, generation: string | null): Promise<boolean> {
    const value: CachedBinding = { g: generation, s: state };
    return this.kv.setIfUnchanged(
      keys.generation(state.tokenHash),
      generation,
      keys.binding(state.tokenHash),
      JSON.stringify(value),
      CACHE_TTL_MS,
    );
  }

  /** After an admin change has committed: bump the generation, drop the value, tell everyone. */
  async invalidate(tokenHash: string): Promise<void> {
    await this.kv.incr(keys.generation(tokenHash));
    await this.kv.del(keys.binding(tokenHash));
    await this.kv.publish(keys.invalidationChannel, JSON.stringify({ h: tokenHash }));
  }

  /**
   * A batch (bulk admin operations): every token's generation bumped and value dropped, then ONE
   * broadcast naming them all (`{hs: […]}`; an older instance reads it as "drop everything").
   */
  async invalidateMany(tokenHashes: readonly string[]): Promise<void> {
    for (let i = 0; i < tokenHashes.length; i += BATCH) {
      const chunk = tokenHashes.slice(i, i + BATCH);
      await Promise.all(chunk.map((h) => this.kv.incr(keys.generation(h))));
      await this.kv.del(...chunk.map((h) => keys.binding(h)));
    }
    await this.kv.publish(keys.invalidationChannel, JSON.stringify({ hs: tokenHashes }));
  }

  subscribe(onInvalidate: (tokenHash: string | null) => void): Promise<() => Promise<void>> {
    return this.kv.subscribe(keys.invalidationChannel, (message) => {
      try {
        const m = JSON.parse(message) as { h?: string; hs?: unknown };
        if (Array.isArray(m.hs) && m.hs.every((h) => typeof h === 'string')) {
          for (const h of m.hs as string[]) onInvalidate(h);
          return;
        }
        onInvalidate(typeof m.h === 'string' ? m.h : null);
      } catch {
        onInvalidate(null);
      }
    });
  }
}
