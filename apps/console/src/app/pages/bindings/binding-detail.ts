import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { Router, RouterLink } from '@angular/router';
import { BindingsApi, SettingsApi } from '@sentinel/admin-client';
import { toSignal } from '@angular/core/rxjs-interop';
import {
  RULE_KIND_DEFINITIONS,
  type BindingDetailResponse,
  type BindingStatus,
  type BindingSummary,
  type RuleKind,
} from '@sentinel/admin-contract';
import { Subscription, catchError, map, of } from 'rxjs';

import { errorMessage } from '../../core/errors/admin-error';
import { I18nService } from '../../core/i18n/i18n.service';
import { Icon } from '../../shared/icon/icon';
import { AuditDiff } from '../../shared/audit-diff/audit-diff';
import { DateTimePipe } from '../../shared/format/date-time';
import { InterceptsTable } from '../../shared/intercepts-table/intercepts-table';
import { BindingActions } from './binding-actions.service';
import { learningState, learntAddresses } from './learning-state';
import { ruleText } from './rule-text';

/** One binding: its state, recent intercepts and admin audit history, with the row actions. */
import { Can } from '../../shared/permissions/can.directive';
@Component({
  selector: 'app-binding-detail',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    Can,
    AuditDiff,
    DateTimePipe,
    Icon,
    InterceptsTable,
    MatButtonModule,
    MatCardModule,
    MatProgressBarModule,
    MatTableModule,
    RouterLink,
  ],
  templateUrl: './binding-detail.html',
  styleUrl: './binding-detail.scss',
})
export class BindingDetail {
  private readonly api = inject(BindingsApi);
  private readonly actions = inject(BindingActions);
  private readonly router = inject(Router);
  protected readonly t = inject(I18nService).messages;
  /** Field names in the audit diff: setting keys under their labels, binding fields by name. */
  protected readonly diffLabels = computed<Readonly<Record<string, string>>>(() => ({
    ...this.t().settings.labels,
    ruleKind: this.t().bindings.ruleKind,
    ruleEntries: this.t().bindings.columns.rule,
    status: this.t().bindings.status,
  }));

  /** Route parameter `:id` (numeric id or 64-hex token id). */
  readonly id = input.required<string>();

  protected readonly detail = signal<BindingDetailResponse | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal<unknown>(null);
  protected readonly notFound = computed(() => {
    const e = this.error();
    return e instanceof HttpErrorResponse && e.status === 404;
  });
  protected readonly errorText = computed(() => (this.error() ? errorMessage(this.error(), this.t()) : ''));
  protected readonly interceptColumns = ['time', 'clientIp', 'reason', 'request'] as const;
  protected readonly liveCap = toSignal(
    inject(SettingsApi)
      .get()
      .pipe(
        map((r) => {
          const v = r.settings.find((s) => s.key === 'bindMaxAddresses');
          return v && !v.secret && typeof v.value === 'number' ? v.value : null;
        }),
        catchError(() => of(null)),
      ),
    { initialValue: null },
  );
  protected readonly learningText = computed(() => {
    const d = this.detail();
    if (!d) return '';
    const l = learningState(d.binding, this.liveCap());
    const t = this.t().bindings.learning;
    if (l.kind === 'learning') return t.learning(l.count, l.cap);
    if (l.kind === 'full') return t.full(l.count, l.cap);
    return l.kind === 'stopped' ? t.stopped : t.fixed;
  });
  /**
   * The addresses a multi-address binding learnt (its rule entries), the first use's marked;
   * empty for a one-address binding or a rule set by hand to a range or "any".
   */
  protected readonly learntAddresses = computed<readonly { ip: string; first: boolean }[]>(() => {
    const d = this.detail();
    if (!d || RULE_KIND_DEFINITIONS[d.binding.ruleKind]?.matches === 'any') return [];
    if (learningState(d.binding, this.liveCap()).kind === 'fixed') return [];
    return learntAddresses(d.binding);
  });
  protected readonly auditColumns = ['time', 'actor', 'action', 'change'];

  private request?: Subscription;

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => this.load(id));
    });
  }

  protected load(id = this.id()): void {
    this.request?.unsubscribe();
    this.loading.set(true);
    this.error.set(null);
    this.request = this.api.detail(id).subscribe({
      next: (detail) => {
        this.detail.set(detail);
        this.loading.set(false);
      },
      error: (error: unknown) => {
        this.error.set(error);
        this.loading.set(false);
      },
    });
  }

  protected kindLabel(kind: RuleKind): string {
    return this.t().common.ruleKinds[kind];
  }

  protected statusLabel(status: BindingStatus): string {
    return this.t().common.statuses[status];
  }

  protected ruleText(b: BindingSummary): string {
    return ruleText(b, this.t().bindings.anyIp);
  }

  protected auditLabel(action: string): string {
    const labels: Readonly<Record<string, string>> = this.t().audit.actions;
    return labels[action] ?? action;
  }

  protected unbind(b: BindingSummary): void {
    this.actions.unbind(b).subscribe(() => void this.router.navigate(['/bindings']));
  }

  protected ban(b: BindingSummary): void {
    this.actions.ban(b).subscribe(() => this.load());
  }

  protected unban(b: BindingSummary): void {
    this.actions.unban(b).subscribe(() => this.load());
  }

  protected editRule(b: BindingSummary): void {
    this.actions.editRule(b).subscribe(() => this.load());
  }

  protected editLabel(b: BindingSummary): void {
    this.actions.editLabel(b).subscribe(() => this.load());
  }

  protected setMaxAddresses(b: BindingSummary): void {
    this.actions.setMaxAddresses(b, this.liveCap()).subscribe(() => this.load());
  }
}
