import { Injectable } from '@nestjs/common';
import type {
  BindingDetailResponse,
  BindingListQuery,
  BindingListResponse,
  BindingOperationResponse,
  BindingRuleState,
  BindingSummary,
  RuleKind,
} from '@sentinel/admin-contract';
import { RuntimeSettings } from '@sentinel/server-settings';
import {
  BindingNotFoundError,
  BindingService,
  RuleValidationError,
  type BindingChange,
  type BindingState,
} from '@sentinel/server-binding';
import { AuditService } from '../audit/audit.service';
import { AuditRepository } from '../audit/audit.repository';
import { AdminApiError } from '../common/admin-errors';
import { LogsRepository } from '../logs/logs.repository';
import { BindingsQueryRepository } from './bindings-query.repository';

export interface Who {
  actor: string;
  ip: string | null;
}

function ruleState(s: BindingState): BindingRuleState {
  return { ruleKind: s.ruleKind, ruleEntries: [...s.ruleEntries], status: s.status };
}

/**
 * The console's binding operations: reads from BindingsQueryRepository; every change through
 * BindingService (commit, then invalidate every instance before returning) and then audited.
 */
@Injectable()
export class AdminBindingsService {
  constructor(
    private readonly bindings: BindingService,
    private readonly query: BindingsQueryRepository,
    private readonly logs: LogsRepository,
    private readonly audit: AuditService,
    private readonly auditRepo: AuditRepository,
    private readonly settings: RuntimeSettings,
  ) {}

  async list(q: BindingListQuery): Promise<BindingListResponse> {
    const page = await this.query.list(q);
    return { ...page, items: page.items.map((b) => this.withLearning(b)) };
  }

  async detail(ref: string): Promise<BindingDetailResponse> {
    const found = await this.query.get(ref);
    if (!found) throw AdminApiError.notFound(`No binding ${ref}.`);
    const binding = this.withLearning(found);
    const [recentIntercepts, auditHistory] = await Promise.all([
      this.logs.forToken(binding.tokenId, 50),
      this.auditRepo.forTarget('binding', [binding.id, binding.tokenId], 50),
    ]);
    return { binding, recentIntercepts, auditHistory };
  }

  /** `learning` as the proxy decides it: the stored flag and a cap above 1 (compileBinding). */
  private withLearning(b: BindingSummary): BindingSummary {
    const cap = b.maxAddresses ?? this.settings.current.bindMaxAddresses;
    return b.learning && cap <= 1 ? { ...b, learning: false } : b;
  }

  unbind(ref: string, who: Who): Promise<BindingOperationResponse> {
    return this.run('binding.unbind', ref, who, () => this.bindings.unbind(ref));
  }

  setRule(ref: string, kind: RuleKind, entries: readonly string[], who: Who): Promise<BindingOperationResponse> {
    return this.run('binding.set_rule', ref, who, () =>
      this.bindings.setRule(
        ref,
        kind,
        entries.map((e) => e.trim()),
      ),
    );
  }

  ban(ref: string, who: Who): Promise<BindingOperationResponse> {
    return this.run('binding.ban', ref, who, () => this.bindings.ban(ref));
  }

  unban(ref: string, who: Who): Promise<BindingOperationResponse> {
    return this.run('binding.unban', ref, who, () => this.bindings.unban(ref));
  }

  private async run(
    action: 'binding.unbind' | 'binding.set_rule' | 'binding.ban' | 'binding.unban',
    ref: string,
    who: Who,
    op: () => Promise<BindingChange>,
  ): Promise<BindingOperationResponse> {
    let change: BindingChange;
    try {
      change = await op();
    } catch (e) {
      if (e instanceof BindingNotFoundError) throw AdminApiError.notFound(`No binding ${ref}.`);
      if (e instanceof RuleValidationError) {
        throw AdminApiError.validation([{ field: 'entries', messages: [e.message] }], e.message);
      }
      throw e;
    }
    const response: BindingOperationResponse = {
      id: change.before.id,
      tokenMask: change.before.tokenMask,
      before: ruleState(change.before),
      after: change.after ? ruleState(change.after) : null,
      propagated: change.propagated,
    };
    await this.audit.record({
      actor: who.actor,
      action,
      targetType: 'binding',
      targetId: change.before.id,
      before: { tokenId: change.before.tokenHash, tokenMask: change.before.tokenMask, ...response.before },
      after: response.after,
      ip: who.ip,
    });
    return response;
  }
}
