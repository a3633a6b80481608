import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatProgressBarModule } from '@angular/material/progress-bar';
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
import { BindingsApi, SettingsApi } from '@sentinel/admin-client';
import {
  BINDING_STATUSES,
  DEFAULT_PAGE_SIZE,
  MAX_BULK_BINDINGS,
  RULE_KINDS,
  type BindingBulkRequest,
  type BindingBulkResponse,
  type BindingStatus,
  type BindingSummary,
  type BulkAction,
  type RuleKind,
  type SortOrder,
} from '@sentinel/admin-contract';
import { catchError, debounceTime, map, of, switchMap } from 'rxjs';

import { I18nService } from '../../core/i18n/i18n.service';
import { Icon } from '../../shared/icon/icon';
import { PagedTable } from '../../shared/paged-table/paged-table';
import {
  ChoosableColumn,
  ColumnChooser,
  readHiddenColumns,
  visibleColumns,
} from '../../shared/column-chooser/column-chooser';
import { LOCAL_STORAGE } from '../../core/storage/local-storage';
import { DateTimePipe } from '../../shared/format/date-time';
import { ToastService } from '../../shared/toast/toast.service';
import { BindingActions } from './binding-actions.service';
import {
  BindingFilters,
  BindingsDataSource,
  EMPTY_BINDING_FILTERS,
  bindingsLoader,
  isWholeKey,
  toBindingQuery,
} from './bindings-data-source';
import { LearningState, learningState } from './learning-state';
import { ruleText } from './rule-text';
import { syncFiltersWithUrl, urlSafeToken } from '../../shared/url-filters/url-filters';
import { Can } from '../../shared/permissions/can.directive';

/** The bindings table: server-side paging, sorting and filters; row actions. */
@Component({
  selector: 'app-bindings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    Can,
    ColumnChooser,
    DateTimePipe,
    Icon,
    MatButtonModule,
    MatCheckboxModule,
    MatProgressBarModule,
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
  private readonly api = inject(BindingsApi);
  private readonly toast = inject(ToastService);
  private readonly router = inject(Router);
  protected readonly t = inject(I18nService).messages;

  /** `?token=<id or mask prefix>` (alert webhooks link here with a 64-hex token id). */
  readonly token = input<string | undefined>();

  protected readonly ruleKinds = RULE_KINDS;
  protected readonly statuses = BINDING_STATUSES;
  protected readonly allColumns = [
    'select',
    'token',
    'label',
    'rule',
    'learning',
    'status',
    'first',
    'last',
    'intercepts',
    'created',
    'actions',
  ];
  protected readonly columnsKey = 'sentinel.bindings.hiddenColumns';
  /** Columns hidden with the "Columns" menu (remembered); token, select and actions always show. */
  protected readonly hiddenColumns = signal<ReadonlySet<string>>(
    readHiddenColumns(inject(LOCAL_STORAGE), this.columnsKey),
  );
  protected readonly columns = computed(() => visibleColumns(this.allColumns, this.hiddenColumns()));
  protected readonly choosableColumns = computed<ChoosableColumn[]>(() => {
    const t = this.t().bindings;
    return [
      { id: 'label', label: t.columns.label },
      { id: 'rule', label: t.columns.rule },
      { id: 'learning', label: t.learning.column },
      { id: 'status', label: t.columns.status },
      { id: 'first', label: t.columns.first },
      { id: 'last', label: t.columns.last },
      { id: 'intercepts', label: t.columns.intercepts },
      { id: 'created', label: t.columns.created },
    ];
  });
  protected readonly dataSource = new BindingsDataSource(bindingsLoader(this.api));
  protected readonly bulkActions: readonly BulkAction[] = ['ban', 'unban', 'unbind', 'set_label', 'set_max_addresses'];
  protected readonly maxBulk = MAX_BULK_BINDINGS;

  /** The live `bindMaxAddresses` (null until known, or when settings cannot be read). */
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

  /** Selected rows of this page (ids), or every binding matching the filter. */
  protected readonly selected = signal<ReadonlySet<string>>(new Set());
  protected readonly allMatching = signal(false);
  protected readonly selectionCount = computed(() =>
    this.allMatching() ? this.dataSource.total() : this.selected().size,
  );
  protected readonly pageAllSelected = computed(() => {
    const items = this.dataSource.items();
    const sel = this.selected();
    return items.length > 0 && items.every((b) => sel.has(b.id));
  });
  /** A bulk call in flight (its action and count), for the progress line. */
  protected readonly bulkRunning = signal<{ action: BulkAction; count: number } | null>(null);
  protected readonly bulkResult = signal<BindingBulkResponse | null>(null);
  /** The token filter is a whole key: the table shows what the lookup found. */
  protected readonly lookupMode = computed(() => isWholeKey(this.filters().token));
  /** No filter at all: an empty table means a fresh install, not a filter that matched nothing. */
  protected readonly unfiltered = computed(() => Object.values(this.filters()).every((v) => v === ''));

  protected readonly filterForm = new FormGroup({
    token: new FormControl('', { nonNullable: true }),
    ip: new FormControl('', { nonNullable: true }),
    ruleKind: new FormControl<RuleKind | ''>('', { nonNullable: true }),
    status: new FormControl<BindingStatus | ''>('', { nonNullable: true }),
    lastUsedFrom: new FormControl('', { nonNullable: true }),
    lastUsedTo: new FormControl('', { nonNullable: true }),
    label: new FormControl('', { nonNullable: true }),
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
    // A selection belongs to the filter and page it was made on.
    effect(() => {
      this.filters();
      this.pageIndex();
      this.pageSize();
      untracked(() => this.clearSelection());
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
      ['token', 'ip', 'ruleKind', 'status', 'lastUsedFrom', 'lastUsedTo', 'label'],
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

  protected learning(b: BindingSummary): LearningState {
    return learningState(b, this.liveCap());
  }

  protected learningText(b: BindingSummary): string {
    const l = this.learning(b);
    const t = this.t().bindings.learning;
    switch (l.kind) {
      case 'learning':
        return t.learning(l.count, l.cap);
      case 'full':
        return t.full(l.count, l.cap);
      case 'stopped':
        return t.stopped;
      default:
        return t.fixed;
    }
  }

  /** Hover text of a mask: identical masks are told apart by their token id prefix and label. */
  protected maskHover(b: BindingSummary): string {
    const id = this.t().bindings.tokenIdHover(b.tokenId.slice(0, 12));
    return b.label ? `${id} · ${b.label}` : id;
  }

  protected isSelected(b: BindingSummary): boolean {
    return this.allMatching() || this.selected().has(b.id);
  }

  protected toggle(b: BindingSummary): void {
    this.allMatching.set(false);
    this.selected.update((sel) => {
      const next = new Set(sel);
      if (next.has(b.id)) next.delete(b.id);
      else next.add(b.id);
      return next;
    });
  }

  protected togglePage(): void {
    this.allMatching.set(false);
    this.selected.set(this.pageAllSelected() ? new Set() : new Set(this.dataSource.items().map((b) => b.id)));
  }

  protected selectAllMatching(): void {
    this.allMatching.set(true);
  }

  protected clearSelection(): void {
    this.allMatching.set(false);
    this.selected.set(new Set());
  }

  /** Confirms (with the count), runs one bulk call, shows its progress and what failed. */
  protected runBulk(action: BulkAction): void {
    const count = this.selectionCount();
    if (count === 0 || this.bulkRunning()) return;
    const target: Pick<BindingBulkRequest, 'ids' | 'filter'> = this.allMatching()
      ? { filter: this.bulkFilter() }
      : { ids: [...this.selected()] };
    this.actions
      .confirmBulk(action, count, this.liveCap())
      .pipe(
        switchMap((params) => {
          this.bulkRunning.set({ action, count });
          this.bulkResult.set(null);
          return this.api.bulk({ action, ...target, ...params });
        }),
      )
      .subscribe({
        next: (r) => {
          this.bulkRunning.set(null);
          this.bulkResult.set(r.failed > 0 || r.notFound > 0 ? r : null);
          const t = this.t().bindings;
          const text = t.bulk.result(r.done, r.notFound, r.failed);
          this.toast.success(r.propagated === 'local' ? `${text} ${t.localOnly}` : text);
          this.clearSelection();
          this.reload();
        },
        error: (error: unknown) => {
          this.bulkRunning.set(null);
          this.toast.error(error);
        },
      });
  }

  /** The applied filters as the bulk call's filter (the list's own query, without paging). */
  private bulkFilter(): BindingBulkRequest['filter'] {
    const q = toBindingQuery({
      filters: this.filters(),
      pageIndex: 0,
      pageSize: 1,
      sortColumn: '',
      sortDirection: '',
    });
    return {
      token: q.token,
      ip: q.ip,
      ruleKind: q.ruleKind,
      status: q.status,
      lastUsedFrom: q.lastUsedFrom,
      lastUsedTo: q.lastUsedTo,
      label: q.label,
    };
  }

  protected addBindings(): void {
    this.actions.prebind(this.liveCap()).subscribe(() => this.reload());
  }

  protected editLabel(b: BindingSummary): void {
    this.actions.editLabel(b).subscribe(() => this.reload());
  }

  protected setMaxAddresses(b: BindingSummary): void {
    this.actions.setMaxAddresses(b, this.liveCap()).subscribe(() => this.reload());
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
