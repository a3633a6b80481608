import { Injectable } from '@nestjs/common';
import { MAX_BULK_BINDINGS } from '@sentinel/admin-contract';
import type {
  AuditAction,
  BindingDetailResponse,
  BindingListQuery,
  BindingListResponse,
  BindingOperationResponse,
  BindingRuleState,
  BindingBulkRequest,
  BindingBulkResponse,
  BindingBulkResult,
  BindingSummary,
  PrebindInvalidItem,
  PrebindItem,
  PrebindRequest,
  PrebindResponse,
  RuleKind,
} from '@sentinel/admin-contract';
import { normaliseRelayKey } from '@sentinel/server-proxy';
import { RuntimeSettings } from '@sentinel/server-settings';
import {
  BindingNotFoundError,
  BindingService,
  RuleValidationError,
  TokenIdentifier,
  maskToken,
  type BindingChange,
  type BulkChange,
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

const BULK_AUDIT_ACTIONS: Record<BindingBulkRequest['action'], AuditAction> = {
  ban: 'binding.ban',
  unban: 'binding.unban',
  unbind: 'binding.unbind',
  set_label: 'binding.set_label',
  set_max_addresses: 'binding.set_max_addresses',
};

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
    private readonly tokens: TokenIdentifier,
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

  /**
   * Pre-binds keys: each is normalised as the proxy normalises a request's key and turned into its
   * token id here; only ids and masks go further (storage, audit, the answer). One audit row per
   * binding created or replaced.
   */
  async prebind(req: PrebindRequest, who: Who): Promise<PrebindResponse> {
    const invalid: PrebindInvalidItem[] = [];
    const indexOf = new Map<string, number>();
    const tokens: { tokenHash: string; tokenMask: string }[] = [];
    req.keys.forEach((raw, index) => {
      const k = normaliseRelayKey(raw);
      if (!k.ok) return void invalid.push({ index, message: k.message });
      const tokenHash = this.tokens.idOf(k.bindingKey);
      const first = indexOf.get(tokenHash);
      if (first !== undefined) return void invalid.push({ index, message: `the same key as keys[${first}]` });
      indexOf.set(tokenHash, index);
      tokens.push({ tokenHash, tokenMask: maskToken(k.key) });
    });
    const rule = {
      kind: req.ruleKind,
      entries: req.entries.map((e) => e.trim()),
      maxAddresses: req.maxAddresses ?? null,
      label: req.label?.trim() || null,
    };
    let result: Awaited<ReturnType<BindingService['prebind']>>;
    try {
      result = await this.bindings.prebind(tokens, rule, req.replace === true);
    } catch (e) {
      if (e instanceof RuleValidationError) {
        throw AdminApiError.validation([{ field: 'entries', messages: [e.message] }], e.message);
      }
      throw e;
    }
    const response: PrebindResponse = {
      created: [],
      conflicts: [],
      replaced: [],
      invalid,
      propagated: result.propagated,
    };
    const reported = new Set<string>();
    for (const o of result.outcomes) {
      const index = indexOf.get(o.tokenHash);
      if (index === undefined) continue;
      reported.add(o.tokenHash);
      const item: PrebindItem = { index, id: o.id, tokenMask: o.tokenMask };
      (o.outcome === 'created'
        ? response.created
        : o.outcome === 'replaced'
          ? response.replaced
          : response.conflicts
      ).push(item);
    }
    // Bound by a first use between the statement's snapshot and its insert: a conflict too.
    for (const t of tokens) {
      if (reported.has(t.tokenHash)) continue;
      const now = await this.bindings.find(t.tokenHash);
      if (now)
        response.conflicts.push({ index: indexOf.get(t.tokenHash) as number, id: now.id, tokenMask: now.tokenMask });
    }
    for (const list of [response.created, response.conflicts, response.replaced])
      list.sort((a, b) => a.index - b.index);
    invalid.sort((a, b) => a.index - b.index);
    const after = {
      ruleKind: rule.kind,
      ruleEntries: rule.entries,
      label: rule.label,
      maxAddresses: rule.maxAddresses,
    };
    await this.audit.recordMany(
      result.outcomes
        .filter((o) => o.outcome !== 'conflict')
        .map((o) => ({
          actor: who.actor,
          action: 'binding.prebind' as const,
          targetType: 'binding' as const,
          targetId: o.id,
          before: o.outcome === 'replaced' ? { tokenId: o.tokenHash, tokenMask: o.tokenMask, replaced: true } : null,
          after: { tokenId: o.tokenHash, tokenMask: o.tokenMask, ...after },
          ip: who.ip,
        })),
    );
    return response;
  }

  /**
   * One action on the bindings named by ids or matching a filter: batched statements, one audit
   * row per binding changed, one invalidation broadcast, awaited before the answer.
   */
  async bulk(req: BindingBulkRequest, who: Who): Promise<BindingBulkResponse> {
    if ((req.ids === undefined) === (req.filter === undefined)) {
      throw AdminApiError.validation([{ field: 'ids', messages: ['give exactly one of ids and filter'] }]);
    }
    let change: BulkChange;
    if (req.action === 'set_label') {
      if (req.label === undefined)
        throw AdminApiError.validation([{ field: 'label', messages: ['label is required'] }]);
      change = { action: 'set_label', label: req.label?.trim() || null };
    } else if (req.action === 'set_max_addresses') {
      if (req.maxAddresses === undefined)
        throw AdminApiError.validation([{ field: 'maxAddresses', messages: ['maxAddresses is required'] }]);
      change = { action: 'set_max_addresses', maxAddresses: req.maxAddresses };
    } else {
      change = { action: req.action };
    }
    const ids = req.ids
      ? [...new Set(req.ids.map((id) => id.replace(/^0+(?=\d)/, '')))]
      : await this.query.matchingIds(req.filter ?? {}, MAX_BULK_BINDINGS + 1);
    if (ids.length > MAX_BULK_BINDINGS) {
      throw AdminApiError.validation(
        [{ field: 'filter', messages: [`the filter matches more than ${MAX_BULK_BINDINGS} bindings`] }],
        `Narrow the filter: at most ${MAX_BULK_BINDINGS} bindings per call.`,
      );
    }
    // Ids name bindings by number here; a 64-hex token id is resolved first.
    const numeric: string[] = [];
    for (const id of ids) {
      if (/^[0-9]{1,19}$/.test(id)) numeric.push(id);
      else numeric.push((await this.bindings.find(id))?.id ?? id);
    }
    const outcome = await this.bindings.bulk(
      numeric.filter((id) => /^[0-9]{1,19}$/.test(id)),
      change,
    );
    const done = new Set(outcome.changed.map((c) => c.before.id));
    const failed = new Map(outcome.failed.map((f) => [f.id, f.reason]));
    const results: BindingBulkResult[] = ids.map((id, i) => {
      const n = numeric[i];
      if (done.has(n)) return { id, outcome: 'done' };
      const reason = failed.get(n);
      return reason === undefined ? { id, outcome: 'not_found' } : { id, outcome: 'failed', reason };
    });
    const action = BULK_AUDIT_ACTIONS[req.action];
    await this.audit.recordMany(
      outcome.changed.map((c) => ({
        actor: who.actor,
        action,
        targetType: 'binding' as const,
        targetId: c.before.id,
        before: {
          tokenId: c.before.tokenHash,
          tokenMask: c.before.tokenMask,
          ...ruleState(c.before),
          label: c.before.label,
          maxAddresses: c.before.maxAddresses ?? null,
          bulk: true,
        },
        after: c.after
          ? {
              ...ruleState(c.after),
              ...(change.action === 'set_label' ? { label: change.label } : {}),
              maxAddresses: c.after.maxAddresses ?? null,
            }
          : null,
        ip: who.ip,
      })),
    );
    return {
      action: req.action,
      matched: ids.length,
      done: results.filter((r) => r.outcome === 'done').length,
      notFound: results.filter((r) => r.outcome === 'not_found').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
      results,
      propagated: outcome.propagated,
    };
  }

  async setLabel(
    ref: string,
    label: string | null,
    note: string | null | undefined,
    who: Who,
  ): Promise<BindingOperationResponse> {
    let r: Awaited<ReturnType<BindingService['setLabel']>>;
    try {
      r = await this.bindings.setLabel(
        ref,
        label?.trim() || null,
        note === undefined ? undefined : note?.trim() || null,
      );
    } catch (e) {
      if (e instanceof BindingNotFoundError) throw AdminApiError.notFound(`No binding ${ref}.`);
      throw e;
    }
    await this.audit.record({
      actor: who.actor,
      action: 'binding.set_label',
      targetType: 'binding',
      targetId: r.state.id,
      before: { tokenId: r.state.tokenHash, tokenMask: r.state.tokenMask, ...r.before },
      after: { label: label?.trim() || null, note: note === undefined ? r.before.note : note?.trim() || null },
      ip: who.ip,
    });
    const rule = ruleState(r.state);
    return { id: r.state.id, tokenMask: r.state.tokenMask, before: rule, after: rule, propagated: 'all-instances' };
  }

  /** Find by raw key; audited whether or not the key is bound (the answer reveals which). */
  async lookup(rawKey: string, who: Who): Promise<BindingDetailResponse> {
    const k = normaliseRelayKey(rawKey);
    if (!k.ok)
      throw AdminApiError.validation([{ field: 'key', messages: [k.message] }], `The key is not valid: ${k.message}.`);
    const tokenHash = this.tokens.idOf(k.bindingKey);
    const found = await this.query.get(tokenHash);
    await this.audit.record({
      actor: who.actor,
      action: 'binding.lookup',
      targetType: 'binding',
      targetId: found?.id ?? null,
      after: { found: found !== null, tokenMask: found?.tokenMask ?? maskToken(k.key) },
      ip: who.ip,
    });
    if (!found) throw AdminApiError.notFound('No binding for this key.');
    return this.detail(found.id);
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
