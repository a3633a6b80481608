import { Injectable } from '@nestjs/common';
import type { Ip } from '@sentinel/net';
import { AppLogger, DependencyHealth } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { BindingCaches } from '../cache/binding-caches';
import type { L1Cache } from '../cache/l1-cache';
import type { SharedBindingCache } from '../cache/shared-cache';
import { BindingEvents } from '../events/binding-events';
import { BindingRepository } from '../repository/binding.repository';
import { isConnectionLost } from '@sentinel/server-storage';
import { FirstUseLimiter } from './first-use-limiter';
import { RULE_KIND_DEFINITIONS } from '@sentinel/admin-contract';
import {
  compileBinding,
  evaluate,
  firstUseEntry,
  type BindingState,
  type CompiledBinding,
  type FinalVerdict,
} from '../rules/binding-rule';

export type Resolution =
  | {
      readonly kind: 'binding';
      readonly binding: CompiledBinding;
      readonly created: boolean;
      /**
       * This request's answer from that binding: a learning binding has already tried to learn
       * the request's address (allow) or found it past its cap (address_limit).
       */
      readonly verdict: FinalVerdict;
    }
  /** Neither cache knows the token and PostgreSQL cannot be asked: the failsafe mode decides. */
  | { readonly kind: 'unavailable' }
  /**
   * An unknown key's first use from an address that has used up its first-use bucket
   * (bindRatePerAddress): nothing was bound; answer 429 with Retry-After. Not an intercept.
   */
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number };

/** What one lookup found, before each request's own verdict is settled (settle()). */
type Found =
  | { readonly kind: 'binding'; readonly binding: CompiledBinding; readonly created: boolean }
  | Exclude<Resolution, { kind: 'binding' }>;

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
  private readonly inFlight = new Map<string, Promise<Found>>();
  private readonly l1: L1Cache;
  private readonly shared: SharedBindingCache;
  private readonly io: BindingCaches['io'];

  constructor(
    private readonly repo: BindingRepository,
    private readonly caches: BindingCaches,
    private readonly health: DependencyHealth,
    private readonly settings: RuntimeSettings,
    private readonly events: BindingEvents,
    private readonly logger: AppLogger,
    private readonly firstUse: FirstUseLimiter,
  ) {
    this.l1 = caches.l1;
    this.shared = caches.shared;
    this.io = caches.io;
    // Compiled bindings carry the learning cap and window: a change of either recompiles them all.
    settings.onChange((next, previous) => {
      if (
        next.bindMaxAddresses !== previous.bindMaxAddresses ||
        next.bindLearnWindowSeconds !== previous.bindLearnWindowSeconds
      )
        this.l1.invalidateAll();
    });
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
      return pending.then((r) => this.settle(r.kind === 'binding' && r.created ? { ...r, created: false } : r, ip));
    }
    const flight = this.lookup(tokenHash, tokenMask, ip).finally(() => this.inFlight.delete(tokenHash));
    this.inFlight.set(tokenHash, flight);
    return flight.then((r) => this.settle(r, ip));
  }

  /**
   * This request's verdict from the binding a lookup found. A learning binding that does not hold
   * the address yet but may still grow learns it in PostgreSQL (one conditional statement) — also
   * when this instance's cached copy looked full or stale: a cached deny of a learning binding is
   * never final until PostgreSQL agrees (see learn()). Joined requests settle with their own address.
   */
  private settle(r: Found, ip: Ip): Resolution | Promise<Resolution> {
    if (r.kind !== 'binding') return r;
    const verdict = evaluate(r.binding, ip);
    if (verdict === 'learn') return this.learn(r, ip);
    return { kind: 'binding', binding: r.binding, created: r.created, verdict };
  }

  /**
   * Learns the request's address for a learning binding, or finds it past its cap. The statement
   * adds the entry only while the row is under its cap (BindingRepository.learn), so instances
   * racing can never learn cap + 1; nothing is locked across the forward. After a learn every
   * instance's caches drop the token (BindingInvalidator), so the next request from any of the
   * learnt addresses re-reads the new entries; a request the cached copy would deny re-checks here.
   */
  private async learn(r: Extract<Found, { kind: 'binding' }>, ip: Ip): Promise<Resolution> {
    const { tokenHash, tokenMask } = r.binding.state;
    const s = this.settings.current;
    const entry = firstUseEntry(ip, s.bindIpv4Prefix, s.bindIpv6Prefix);
    if (!this.health.postgresAvailable()) return UNAVAILABLE;
    try {
      for (let attempt = 1; attempt <= MAX_LOOKUPS; attempt++) {
        this.io.postgresReads++;
        const result = await this.repo.learn(tokenHash, entry, s.bindMaxAddresses, s.bindLearnWindowSeconds);
        this.health.reportPostgresSuccess();
        if (result === null) return UNAVAILABLE; // unbound meanwhile; the client retries and binds anew
        const binding = compileBinding(result.state, RULE_KIND_DEFINITIONS, s);
        if (result.learnt) {
          this.io.postgresLearns++;
          this.events.learnt.next({
            tokenHash,
            tokenMask,
            clientIp: ip.canonical,
            entry,
            count: result.state.ruleEntries.length,
          });
          // Every instance drops its copy (this one too): the next lookup reads the new entries.
          await this.caches.invalidate([tokenHash]);
          return { kind: 'binding', binding, created: r.created, verdict: 'allow' };
        }
        // Not learnt: the row returned is the statement's snapshot, which may predate a racing
        // learner's commit; decide on a fresh read.
        this.io.postgresReads++;
        const epoch = this.l1.epoch;
        const fresh = await this.repo.findByTokenHash(tokenHash);
        if (fresh === null) return UNAVAILABLE;
        const current = compileBinding(fresh, RULE_KIND_DEFINITIONS, s);
        this.l1.fill(epoch, current); // later denials from this instance need no storage
        const verdict = evaluate(current, ip);
        if (verdict !== 'learn') return { kind: 'binding', binding: current, created: r.created, verdict };
        // Room again (an admin raised the cap between the statements): try once more.
      }
    } catch (e) {
      this.health.reportPostgresFailure(e);
      this.logger.warn('PostgreSQL unavailable for learning an address', 'Binding', {
        tokenId: tokenHash.slice(0, 12),
        error: (e as Error).message,
      });
      return UNAVAILABLE;
    }
    return { kind: 'binding', binding: r.binding, created: r.created, verdict: 'address_limit' };
  }

  private async lookup(tokenHash: string, tokenMask: string, ip: Ip): Promise<Found> {
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

  private async resolveOnce(tokenHash: string, tokenMask: string, ip: Ip, epoch: number): Promise<Found> {
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
        const known = await this.retryingLostConnection(() => this.repo.findByTokenHash(tokenHash));
        this.health.reportPostgresSuccess();
        if (known === null)
          return { kind: 'rate_limited', retryAfterSeconds: Math.max(1, Math.ceil(token.retryAfterMs / 1000)) };
        if (sharedOk) this.shared.fill(known, generation).catch(() => undefined);
        return this.hit(epoch, known, false);
      }
      this.io.postgresReads++;
      const found = await this.retryingLostConnection(() =>
        this.repo.findOrBind(tokenHash, tokenMask, entry, ip.canonical),
      );
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
        state = await this.retryingLostConnection(() => this.repo.findByTokenHash(tokenHash));
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

  /**
   * Runs one lookup statement, and once more when the pooled connection it ran on turned out to be
   * dead (reset by a proxy or a server restart; the pool drops that client). The statements retried
   * are idempotent — a read, and the INSERT … ON CONFLICT that binds at most once — so a repeat
   * cannot bind twice: it finds the row the first attempt may have committed. Without it, one reset
   * connection in the pool turns a lookup into `unavailable`, which failsafe-open passes unchecked.
   */
  private async retryingLostConnection<T>(statement: () => Promise<T>): Promise<T> {
    try {
      return await statement();
    } catch (e) {
      if (!isConnectionLost(e)) throw e;
      this.io.postgresReads++; // the repeat is one more statement
      return statement();
    }
  }

  private hit(epoch: number, state: BindingState, created: boolean): Found {
    const binding = compileBinding(state, RULE_KIND_DEFINITIONS, this.settings.current);
    this.l1.fill(epoch, binding);
    return { kind: 'binding', binding, created };
  }
}

/** Lookups per resolve(): the first plus at most two repeats after concurrent invalidations. */
const MAX_LOOKUPS = 3;

const UNAVAILABLE = Object.freeze({ kind: 'unavailable' }) satisfies Resolution;
/** `unavailable` because neither Redis nor PostgreSQL could be asked (not because one said "no binding"). */
const STORAGE_UNAVAILABLE = Object.freeze({ kind: 'unavailable' }) satisfies Resolution;
