import { Injectable } from '@nestjs/common';
import { AppLogger } from '@sentinel/server-core';
import { BindingDecider } from './decision/binding-decider';
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
  /** 'all-instances' when the invalidation was broadcast; 'local' when Redis was unreachable
   *  (other instances then converge within the L1 TTL). */
  propagated: 'all-instances' | 'local';
}

const TOKEN_HASH = /^[0-9a-f]{64}$/;

/**
 * Admin operations on bindings. Each one commits, then invalidates every instance's caches
 * before it returns, so no request is decided by the old binding afterwards.
 */
@Injectable()
export class BindingService {
  constructor(
    private readonly repo: BindingRepository,
    private readonly decider: BindingDecider,
    private readonly logger: AppLogger,
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

  private async invalidate(tokenHash: string): Promise<'all-instances' | 'local'> {
    this.decider.l1.invalidate(tokenHash);
    try {
      await this.decider.shared.invalidate(tokenHash);
      return 'all-instances';
    } catch (e) {
      this.logger.warn(
        'Invalidation not broadcast (Redis unreachable); other instances converge within the L1 TTL',
        'Binding',
        {
          tokenId: tokenHash.slice(0, 12),
          error: (e as Error).message,
        },
      );
      return 'local';
    }
  }
}
