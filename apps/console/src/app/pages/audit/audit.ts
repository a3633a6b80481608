import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  effect,
  inject,
  signal,
  untracked,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { PageEvent } from '@angular/material/paginator';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { AuditApi } from '@sentinel/admin-client';
import {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  DEFAULT_PAGE_SIZE,
  type AuditAction,
  type AuditEntry,
  type AuditQuery,
  type AuditTargetType,
} from '@sentinel/admin-contract';
import { debounceTime, map } from 'rxjs';

import { I18nService } from '../../core/i18n/i18n.service';
import { Icon } from '../../shared/icon/icon';
import { PagedTable } from '../../shared/paged-table/paged-table';
import { PageDataSource } from '../../shared/page-data-source/page-data-source';
import { localToIso } from '../bindings/bindings-data-source';
import { TIME_RANGES, bindTimeRange } from '../../shared/time-range/time-range';
import { syncFiltersWithUrl } from '../../shared/url-filters/url-filters';
import { AuditDiff } from '../../shared/audit-diff/audit-diff';
import { DateTimePipe } from '../../shared/format/date-time';

interface AuditFilters {
  readonly kind: '' | 'changes' | 'auth';
  readonly actor: string;
  readonly action: AuditAction | '';
  readonly targetType: AuditTargetType | '';
  readonly targetId: string;
  readonly from: string;
  readonly to: string;
}

const EMPTY: AuditFilters = { kind: '', actor: '', action: '', targetType: '', targetId: '', from: '', to: '' };

export function toAuditQuery(f: AuditFilters, pageIndex: number, pageSize: number): AuditQuery {
  return {
    page: pageIndex + 1,
    pageSize,
    kind: f.kind || undefined,
    actor: f.actor.trim() || undefined,
    action: f.action || undefined,
    targetType: f.targetType || undefined,
    targetId: f.targetId.trim() || undefined,
    from: localToIso(f.from),
    to: localToIso(f.to),
  };
}

/** The admin audit trail: who changed what, and when. */
@Component({
  selector: 'app-audit',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DateTimePipe,
    Icon,
    AuditDiff,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatTableModule,
    PagedTable,
    ReactiveFormsModule,
    RouterLink,
  ],
  templateUrl: './audit.html',
  styleUrl: './audit.scss',
})
export class Audit {
  protected readonly t = inject(I18nService).messages;
  /** Field names in the audit diff: setting keys under their labels, binding fields by name. */
  protected readonly diffLabels = computed<Readonly<Record<string, string>>>(() => ({
    ...this.t().settings.labels,
    ruleKind: this.t().bindings.ruleKind,
    ruleEntries: this.t().bindings.columns.rule,
    status: this.t().bindings.status,
  }));
  protected readonly actions = AUDIT_ACTIONS;
  protected readonly kinds = ['', 'changes', 'auth'] as const;
  protected readonly targetTypes = AUDIT_TARGET_TYPES;
  protected readonly columns = ['time', 'actor', 'action', 'target', 'ip', 'change'];
  protected readonly dataSource = new PageDataSource<AuditEntry, AuditQuery>(inject(AuditApi));

  protected readonly timeRanges = TIME_RANGES;
  protected readonly filterForm = new FormGroup({
    range: new FormControl('', { nonNullable: true }),
    kind: new FormControl<'' | 'changes' | 'auth'>('', { nonNullable: true }),
    actor: new FormControl('', { nonNullable: true }),
    action: new FormControl<AuditAction | ''>('', { nonNullable: true }),
    targetType: new FormControl<AuditTargetType | ''>('', { nonNullable: true }),
    targetId: new FormControl('', { nonNullable: true }),
    from: new FormControl('', { nonNullable: true }),
    to: new FormControl('', { nonNullable: true }),
  });
  private readonly filters = toSignal(
    this.filterForm.valueChanges.pipe(
      debounceTime(300),
      map((): AuditFilters => this.filterForm.getRawValue()),
    ),
    { initialValue: EMPTY },
  );
  protected readonly pageIndex = signal(0);
  protected readonly pageSize = signal(DEFAULT_PAGE_SIZE);
  private readonly refresh = signal(0);

  constructor() {
    effect(() => {
      this.refresh();
      const query = toAuditQuery(this.filters(), this.pageIndex(), this.pageSize());
      untracked(() => this.dataSource.load(query));
    });
    this.filterForm.valueChanges.subscribe(() => this.pageIndex.set(0));
    // Filters live in the URL: a reload, back/forward or a shared link keeps them.
    const c = this.filterForm.controls;
    bindTimeRange(c.range, c.from, c.to);
    syncFiltersWithUrl(this.filterForm, ['kind', 'actor', 'action', 'targetType', 'targetId', 'from', 'to', 'range']);
    inject(DestroyRef).onDestroy(() => this.dataSource.disconnect());
  }

  protected actionLabel(action: string): string {
    const labels: Readonly<Record<string, string>> = this.t().audit.actions;
    return labels[action] ?? action;
  }

  protected targetLabel(type: string): string {
    const labels: Readonly<Record<string, string>> = this.t().audit.targetTypes;
    return labels[type] ?? type;
  }

  protected onPage(event: PageEvent): void {
    this.pageIndex.set(event.pageIndex);
    this.pageSize.set(event.pageSize);
  }

  protected clearFilters(): void {
    this.filterForm.reset();
  }

  protected reload(): void {
    this.refresh.update((n) => n + 1);
  }
}
