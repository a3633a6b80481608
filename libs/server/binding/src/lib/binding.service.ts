import { Injectable } from '@nestjs/common';
import { BindingInvalidator, type Propagation } from './cache/binding-invalidator';
import { BindingRepository } from './repository/binding.repository';
import { normaliseRule, type BindingState, type RuleKind } from './rules/binding-rule';

export class BindingNotFoundError extends Error {
  constructor(readonly ref: string) {
    super(`no binding ${ref}`);
    this.name = 'BindingNotFoundError';
  }
}

export interface BindingChange {
  before: BindingState;
  /** null when the binding was removed. */
  after: BindingState | null;
  propagated: Propagation;
}

const TOKEN_HASH = /^[0-9a-f]{64}$/;

/** Ids per statement of a bulk operation. */
const BULK_BATCH = 1_000;

export type BulkChange =
  | { action: 'ban' | 'unban' | 'unbind' }
  | { action: 'set_label'; label: string | null }
  | { action: 'set_max_addresses'; maxAddresses: number | null };

export interface BulkOutcome {
  changed: { before: BindingState & { label: string | null }; after: BindingState | null }[];
  /** Ids of batches whose statement failed, with the reason. */
  failed: { id: string; reason: string }[];
  propagated: Propagation;
}

export interface PrebindOutcome {
  tokenHash: string;
  id: string;
  tokenMask: string;
  outcome: 'created' | 'conflict' | 'replaced';
}

/**
 * Admin operations on bindings. Each one commits, then invalidates every instance's caches
 * before it returns, so no request is decided by the old binding afterwards.
 */
@Injectable()
export class BindingService {
  constructor(
    private readonly repo: BindingRepository,
    private readonly caches: BindingInvalidator,
  ) {}

  /** A binding by its numeric id or by its token id (the 64-hex HMAC). */
  async find(ref: string): Promise<BindingState | null> {
    if (TOKEN_HASH.test(ref)) return this.repo.findByTokenHash(ref);
    return this.repo.findById(ref);
  }

  async unbind(ref: string): Promise<BindingChange> {
    const before = await this.require(ref);
    const removed = await this.repo.delete(before.id);
    if (!removed) throw new BindingNotFoundError(ref);
    return { before: removed, after: null, propagated: await this.invalidate(removed.tokenHash) };
  }

  async setRule(ref: string, kind: RuleKind, entries: readonly string[]): Promise<BindingChange> {
    const normalised = normaliseRule(kind, entries);
    const before = await this.require(ref);
    const after = await this.repo.updateRule(before.id, kind, normalised);
    if (!after) throw new BindingNotFoundError(ref);
    return { before, after, propagated: await this.invalidate(after.tokenHash) };
  }

  /**
   * Binds tokens (ids and masks; the keys never reach this layer) before their first use with an
   * admin's rule. Replaced bindings are invalidated on every instance before this returns; newly
   * created ones had nothing cached (a miss everywhere is what a first use is).
   */
  async prebind(
    tokens: readonly { tokenHash: string; tokenMask: string }[],
    rule: { kind: RuleKind; entries: readonly string[]; maxAddresses: number | null; label: string | null },
    replace: boolean,
  ): Promise<{ outcomes: PrebindOutcome[]; propagated: Propagation }> {
    const entries = normaliseRule(rule.kind, rule.entries);
    const outcomes = await this.repo.prebind(tokens, { ...rule, entries }, replace);
    const replaced = outcomes.filter((o) => o.outcome === 'replaced').map((o) => o.tokenHash);
    return { outcomes, propagated: await this.caches.invalidate(replaced) };
  }

  /**
   * One action on many bindings: batched statements, then ONE invalidation broadcast for every
   * binding whose decision changed, awaited before this returns (labels change no decision).
   */
  async bulk(ids: readonly string[], change: BulkChange): Promise<BulkOutcome> {
    const changed: BulkOutcome['changed'] = [];
    const failed: BulkOutcome['failed'] = [];
    for (let i = 0; i < ids.length; i += BULK_BATCH) {
      const batch = ids.slice(i, i + BULK_BATCH);
      try {
        changed.push(...(await this.repo.bulk(batch, change)));
      } catch (e) {
        const reason = (e as Error).message;
        for (const id of batch) failed.push({ id, reason });
      }
    }
    const affected = change.action === 'set_label' ? [] : changed.map((c) => c.before.tokenHash);
    return { changed, failed, propagated: await this.caches.invalidate(affected) };
  }

  async setLabel(
    ref: string,
    label: string | null,
    note: string | null | undefined,
  ): Promise<{ before: { label: string | null; note: string | null }; state: BindingState }> {
    const found = await this.require(ref);
    const r = await this.repo.setLabel(found.id, label, note);
    if (!r) throw new BindingNotFoundError(ref);
    return r;
  }

  async ban(ref: string): Promise<BindingChange> {
    return this.setStatus(ref, 'banned');
  }

  async unban(ref: string): Promise<BindingChange> {
    return this.setStatus(ref, 'active');
  }

  private async setStatus(ref: string, status: 'active' | 'banned'): Promise<BindingChange> {
    const before = await this.require(ref);
    const after = await this.repo.setStatus(before.id, status);
    if (!after) throw new BindingNotFoundError(ref);
    return { before, after, propagated: await this.invalidate(after.tokenHash) };
  }

  private async require(ref: string): Promise<BindingState> {
    const found = await this.find(ref);
    if (!found) throw new BindingNotFoundError(ref);
    return found;
  }

  private invalidate(tokenHash: string): Promise<Propagation> {
    return this.caches.invalidate([tokenHash]);
  }
}
