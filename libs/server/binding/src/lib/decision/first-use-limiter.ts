import { Inject, Injectable } from '@nestjs/common';
import type { Ip } from '@sentinel/net';
import {
  AppLogger,
  KV_STORE,
  takeFromBucket,
  type KvStore,
  type TokenBucketState,
  type TokenTake,
} from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { firstUseEntry } from '../rules/binding-rule';

/** Redis key of one source address's first-use bucket (the KvStore adds the deployment prefix). */
export const firstUseBucketKey = (source: string) => `bind-rate:${source}`;

/** Addresses tracked by the per-instance fallback; the oldest is forgotten first. */
const LOCAL_BUCKETS_MAX = 10_000;

/**
 * The binding-flood bound: first-use bindings per source address (IPv4 /32, IPv6 /64), a token
 * bucket of `bindBurstPerAddress` refilling at `bindRatePerAddress` per minute. The bucket is in
 * Redis (one Lua script, shared by every instance); while Redis is unreachable each instance keeps
 * its own. `bindRatePerAddress = 0` turns the bound off. Known keys never reach it as a refusal:
 * the decider only binds through it, and gives the token back when the key turned out to be known.
 */
@Injectable()
export class FirstUseLimiter {
  private readonly local = new Map<string, TokenBucketState>();
  /** Refusals since start (the proxy's metric counts them too, by outcome). */
  refused = 0;

  constructor(
    @Inject(KV_STORE) private readonly kv: KvStore,
    private readonly settings: RuntimeSettings,
    private readonly logger: AppLogger,
  ) {}

  /** Takes one first-use token for this address; refused with the wait when it has none left. */
  async take(ip: Ip): Promise<TokenTake> {
    const r = await this.bucket(ip, 1);
    if (!r.ok) this.refused++;
    return r;
  }

  /** Gives back a token taken for a lookup that bound nothing (the key was known, or lost a race). */
  refund(ip: Ip): void {
    void this.bucket(ip, -1);
  }

  private async bucket(ip: Ip, cost: number): Promise<TokenTake> {
    const { bindRatePerAddress: rate, bindBurstPerAddress: burst } = this.settings.current;
    if (rate <= 0) return OK;
    const source = firstUseEntry(ip, 32, 64);
    if (this.kv.isUp()) {
      try {
        return await this.kv.takeToken(firstUseBucketKey(source), rate, burst, cost);
      } catch (e) {
        this.logger.warn('First-use rate bucket unavailable in Redis; using this instance’s own', 'Binding', {
          error: (e as Error).message,
        });
      }
    }
    const { state, take } = takeFromBucket(this.local.get(source), Date.now(), rate, burst, cost);
    this.local.delete(source);
    if (this.local.size >= LOCAL_BUCKETS_MAX) this.local.delete(this.local.keys().next().value as string);
    this.local.set(source, state);
    return take;
  }
}

const OK: TokenTake = Object.freeze({ ok: true, retryAfterMs: 0 });
