import { Injectable } from '@nestjs/common';
import type { Ip } from '@sentinel/net';
import { AppLogger, DependencyHealth } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { BindingCaches } from '../cache/binding-caches';
import type { L1Cache } from '../cache/l1-cache';
import type { SharedBindingCache } from '../cache/shared-cache';
import { BindingEvents } from '../events/binding-events';
import { BindingRepository } from '../repository/binding.repository';
import { FirstUseLimiter } from './first-use-limiter';
import { compileBinding, firstUseEntry, type BindingState, type CompiledBinding } from '../rules/binding-rule';

export type Resolution =
  | { readonly kind: 'binding'; readonly binding: CompiledBinding; readonly created: boolean }
  /** Neither cache knows the token and PostgreSQL cannot be asked: the failsafe mode decides. */
  | { readonly kind: 'unavailable' }
  /**
   * An unknown key's first use from an address that has used up its first-use bucket
   * (bindRatePerAddress): nothing was bound; answer 429 with Retry-After. Not an intercept.
   */
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number };

/**
 * Finds the binding for a token: L1 (in process) → Redis → PostgreSQL, binding it on first use.
 * Degraded modes (docs/degraded-modes.md): Redis down → PostgreSQL; PostgreSQL down → caches only.
 */
@Injectable()
export class BindingDecider {
  /**
   * Lookups in flight, by token. Concurrent L1 misses for one token — its L1 entry expiring under
   * load, a burst of first uses — join one lookup instead of each asking Redis and PostgreSQL.
   */
  private readonly inFlight = new Map<string, Promise<Resolution>>();
  private readonly l1: L1Cache;
  private readonly shared: SharedBindingCache;
  private readonly io: BindingCaches['io'];

  constructor(
    private readonly repo: BindingRepository,
    caches: BindingCaches,
    private readonly health: DependencyHealth,
    private readonly settings: RuntimeSettings,
    private readonly events: BindingEvents,
    private readonly logger: AppLogger,
    private readonly firstUse: FirstUseLimiter,
  ) {
    this.l1 = caches.l1;
    this.shared = caches.shared;
    this.io = caches.io;
  }

  /** The hot path: a synchronous L1 lookup, no allocation. */
  cached(tokenHash: string): CompiledBinding | undefined {
    return this.l1.get(tokenHash);
  }

  /**
   * L1 missed: ask Redis, then PostgreSQL; bind on first use.
   *
   * If an invalidation reached this instance while the lookup was in flight, what was read may
   * predate an admin change that has since committed (the admin call may even have returned): the
   * lookup is repeated, so no request is decided on the state an unbind / ban / rule edit replaced
   * once that change's invalidation has arrived (security matrix case 12). The epoch is global, so
   * unrelated invalidations can cause a repeat too; repeats are capped.
   */
  resolve(tokenHash: string, tokenMask: string, ip: Ip): Promise<Resolution> {
    const pending = this.inFlight.get(tokenHash);
    if (pending !== undefined) {
      // Joining is safe for case 12: the flight only returns a lookup during which no
      // invalidation arrived, so it started after every invalidation that preceded this call.
      // Only the request whose lookup inserted the binding reports it as created.
      this.io.sharedLookups++;
      return pending.then((r) => (r.kind === 'binding' && r.created ? { ...r, created: false } : r));
    }
    const flight = this.lookup(tokenHash, tokenMask, ip).finally(() => this.inFlight.delete(tokenHash));
    this.inFlight.set(tokenHash, flight);
    return flight;
  }

  private async lookup(tokenHash: string, tokenMask: string, ip: Ip): Promise<Resolution> {
    let created = false;
    for (let attempt = 1; ; attempt++) {
      const epoch = this.l1.epoch;
      const r = await this.resolveOnce(tokenHash, tokenMask, ip, epoch);
      if (r === STORAGE_UNAVAILABLE) {
        // Neither store could be asked. An L1 entry made suspect by a lost invalidation channel
        // still decides, as an unexpired L1 entry would have (docs/degraded-modes.md, both down).
        const suspect = this.l1.suspect(tokenHash);
        if (suspect !== undefined) return { kind: 'binding', binding: suspect, created: false };
      }
      if (r.kind !== 'binding') return r;
      created ||= r.created;
      if (this.l1.epoch === epoch || attempt >= MAX_LOOKUPS) return created === r.created ? r : { ...r, created };
      this.io.staleRereads++;
    }
  }

  private async resolveOnce(tokenHash: string, tokenMask: string, ip: Ip, epoch: number): Promise<Resolution> {
    let generation: string | null = null;
    let sharedOk = false;

    if (this.shared.available) {
      try {
        this.io.redisLookups++;
        const found = await this.shared.lookup(tokenHash);
        sharedOk = true;
        generation = found.generation;
        if (found.state) return this.hit(epoch, found.state, false);
      } catch {
        /* Redis failed mid-request: fall through to PostgreSQL */
      }
    }

    // Redis answered "not cached" (perhaps invalidated meanwhile): a suspect L1 entry must not decide.
    const unavailable = sharedOk ? UNAVAILABLE : STORAGE_UNAVAILABLE;
    if (!this.health.postgresAvailable()) return unavailable;
    let state: BindingState | null;
    let created = false;
    try {
      // One statement: the row, or the first use's atomic insert (docs/architecture.md, request step 8).
      const s = this.settings.current;
      const entry = firstUseEntry(ip, s.bindIpv4Prefix, s.bindIpv6Prefix);
      // Binding flood bound: a first use needs a token from its address's bucket. Out of tokens,
      // the key may still be known (its caches expired): read it without binding.
      const token = await this.firstUse.take(ip);
      if (!token.ok) {
        this.io.postgresReads++;
        const known = await this.repo.findByTokenHash(tokenHash);
        this.health.reportPostgresSuccess();
        if (known === null)
          return { kind: 'rate_limited', retryAfterSeconds: Math.max(1, Math.ceil(token.retryAfterMs / 1000)) };
        if (sharedOk) this.shared.fill(known, generation).catch(() => undefined);
        return this.hit(epoch, known, false);
      }
      this.io.postgresReads++;
      const found = await this.repo.findOrBind(tokenHash, tokenMask, entry, ip.canonical);
      if (found === null || !found.created) this.firstUse.refund(ip); // bound nothing
      if (found !== null) {
        state = found.state;
        created = found.created;
        if (created) {
          this.io.postgresInserts++;
          this.events.created.next({ tokenHash, tokenMask, clientIp: ip.canonical, entry });
        }
      } else {
        // Lost the race to another request: re-read what the winner committed.
        this.io.postgresReads++;
        state = await this.repo.findByTokenHash(tokenHash);
      }
      this.health.reportPostgresSuccess();
    } catch (e) {
      this.health.reportPostgresFailure(e);
      this.logger.warn('PostgreSQL unavailable for a binding lookup', 'Binding', {
        tokenId: tokenHash.slice(0, 12),
        error: (e as Error).message,
      });
      return unavailable;
    }
    if (state === null) return UNAVAILABLE; // unbound between insert and re-read; the client retries

    if (sharedOk) {
      this.shared.fill(state, generation).catch(() => undefined);
    }
    return this.hit(epoch, state, created);
  }

  private hit(epoch: number, state: BindingState, created: boolean): Resolution {
    const binding = compileBinding(state);
    this.l1.fill(epoch, binding);
    return { kind: 'binding', binding, created };
  }
}

/** Lookups per resolve(): the first plus at most two repeats after concurrent invalidations. */
const MAX_LOOKUPS = 3;

const UNAVAILABLE: Resolution = Object.freeze({ kind: 'unavailable' });
/** `unavailable` because neither Redis nor PostgreSQL could be asked (not because one said "no binding"). */
const STORAGE_UNAVAILABLE: Resolution = Object.freeze({ kind: 'unavailable' });
