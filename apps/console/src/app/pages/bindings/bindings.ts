import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { DatePipe } from '@angular/common';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatMenuModule } from '@angular/material/menu';
import type { PageEvent } from '@angular/material/paginator';
import { MatSelectModule } from '@angular/material/select';
import { MatSortModule, Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink } from '@angular/router';
import { BindingsApi } from '@sentinel/admin-client';
import {
  BINDING_STATUSES,
  DEFAULT_PAGE_SIZE,
  RULE_KINDS,
  type BindingStatus,
  type BindingSummary,
  type InterceptReason,
  type RuleKind,
  type SortOrder,
} from '@sentinel/admin-contract';
import { debounceTime } from 'rxjs';

import { I18nService } from '../../core/i18n/i18n.service';
import { Icon } from '../../shared/icon/icon';
import { PagedTable } from '../../shared/paged-table/paged-table';
import { BindingActions } from './binding-actions.service';
import { BindingFilters, BindingsDataSource, EMPTY_BINDING_FILTERS, toBindingQuery } from './bindings-data-source';
import { ruleText } from './rule-text';
import { syncFiltersWithUrl, urlSafeToken } from '../../shared/url-filters/url-filters';
import { Can } from '../../shared/permissions/can.directive';

/** The bindings table: server-side paging, sorting and filters; row actions. */
@Component({
  selector: 'app-bindings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    Can,
    DatePipe,
    Icon,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatMenuModule,
    MatSelectModule,
    MatSortModule,
    MatTableModule,
    MatTooltipModule,
    PagedTable,
    ReactiveFormsModule,
    RouterLink,
  ],
  templateUrl: './bindings.html',
  styleUrl: './bindings.scss',
})
export class Bindings {
  private readonly actions = inject(BindingActions);
  private readonly router = inject(Router);
  protected readonly t = inject(I18nService).messages;

  /** `?token=<id or mask prefix>` (alert webhooks link here with a 64-hex token id). */
  readonly token = input<string | undefined>();

  protected readonly ruleKinds = RULE_KINDS;
  protected readonly statuses = BINDING_STATUSES;
  protected readonly columns = ['token', 'rule', 'status', 'first', 'last', 'intercepts', 'created', 'actions'];
  protected readonly dataSource = new BindingsDataSource(inject(BindingsApi));

  protected readonly filterForm = new FormGroup({
    token: new FormControl('', { nonNullable: true }),
    ip: new FormControl('', { nonNullable: true }),
    ruleKind: new FormControl<RuleKind | ''>('', { nonNullable: true }),
    status: new FormControl<BindingStatus | ''>('', { nonNullable: true }),
    lastUsedFrom: new FormControl('', { nonNullable: true }),
    lastUsedTo: new FormControl('', { nonNullable: true }),
  });

  /** Applied filters: typed ones after a short pause, URL ones at once. */
  private readonly filters = signal<BindingFilters>(EMPTY_BINDING_FILTERS);

  protected readonly pageIndex = signal(0);
  protected readonly pageSize = signal(DEFAULT_PAGE_SIZE);
  protected readonly sort = signal<Sort>({ active: 'last', direction: 'desc' });
  private readonly refresh = signal(0);

  constructor() {
    // Filters from the URL first (a deep link from an alert), then whatever the admin types.
    effect(() => {
      const token = this.token() ?? '';
      untracked(() => {
        if (token !== this.filterForm.controls.token.value) {
          this.filterForm.controls.token.setValue(token, { emitEvent: false });
          this.filters.set(this.filterForm.getRawValue());
          this.pageIndex.set(0);
        }
      });
    });
    effect(() => {
      this.refresh();
      const sort = this.sort();
      const query = toBindingQuery({
        filters: this.filters(),
        pageIndex: this.pageIndex(),
        pageSize: this.pageSize(),
        sortColumn: sort.active,
        sortDirection: sort.direction as '' | SortOrder,
      });
      untracked(() => this.dataSource.load(query));
    });
    // Start from page 1 whenever the filters change.
    this.filterForm.valueChanges.pipe(debounceTime(300), takeUntilDestroyed()).subscribe(() => {
      this.filters.set(this.filterForm.getRawValue());
      this.pageIndex.set(0);
    });
    // Filters live in the URL: a reload, back/forward or a shared link keeps them.
    syncFiltersWithUrl(
      this.filterForm,
      ['token', 'ip', 'ruleKind', 'status', 'lastUsedFrom', 'lastUsedTo'],
      (name, value) => name !== 'token' || urlSafeToken(value),
    );
    inject(DestroyRef).onDestroy(() => this.dataSource.disconnect());
  }

  protected kindLabel(kind: RuleKind): string {
    return this.t().common.ruleKinds[kind];
  }

  protected statusLabel(status: BindingStatus): string {
    return this.t().common.statuses[status];
  }

  protected reasonLabel(reason: InterceptReason): string {
    return this.t().common.reasons[reason];
  }

  protected readonly trackById = (_: number, b: BindingSummary) => b.id;

  protected ruleText(binding: BindingSummary): string {
    return ruleText(binding, this.t().bindings.anyIp);
  }

  protected onPage(event: PageEvent): void {
    this.pageIndex.set(event.pageIndex);
    this.pageSize.set(event.pageSize);
  }

  protected onSort(sort: Sort): void {
    this.sort.set(sort);
    this.pageIndex.set(0);
  }

  protected clearFilters(): void {
    this.filterForm.reset();
    if (this.token()) {
      void this.router.navigate([], { queryParams: {} });
    }
  }

  protected reload(): void {
    this.refresh.update((n) => n + 1);
  }

  protected unbind(b: BindingSummary): void {
    this.actions.unbind(b).subscribe(() => this.reload());
  }

  protected ban(b: BindingSummary): void {
    this.actions.ban(b).subscribe(() => this.reload());
  }

  protected unban(b: BindingSummary): void {
    this.actions.unban(b).subscribe(() => this.reload());
  }

  protected editRule(b: BindingSummary): void {
    this.actions.editRule(b).subscribe(() => this.reload());
  }
}
