import { HttpEventType } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  DOCUMENT,
  DestroyRef,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { LogsApi, filenameFromDisposition } from '@sentinel/admin-client';
import {
  DEFAULT_PAGE_SIZE,
  INTERCEPT_REASONS,
  type InterceptLogItem,
  type InterceptReason,
  type LogQuery,
} from '@sentinel/admin-contract';
import { Subscription, debounceTime, map } from 'rxjs';

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
import { PageDataSource } from '../../shared/page-data-source/page-data-source';
import { ToastService } from '../../shared/toast/toast.service';
import { InterceptColumn, InterceptsTable } from '../../shared/intercepts-table/intercepts-table';
import { EMPTY_LOG_FILTERS, LogFilters, toLogFilterQuery } from './logs-query';
import { TIME_RANGES, bindTimeRange } from '../../shared/time-range/time-range';
import { syncFiltersWithUrl, urlSafeToken } from '../../shared/url-filters/url-filters';

/** The intercept log: filters, paged table, CSV export of the filtered set. */
@Component({
  selector: 'app-logs',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    ColumnChooser,
    Icon,
    InterceptsTable,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    PagedTable,
    ReactiveFormsModule,
  ],
  templateUrl: './logs.html',
  styleUrl: './logs.scss',
})
export class Logs {
  private readonly api = inject(LogsApi);
  private readonly toast = inject(ToastService);
  private readonly document = inject(DOCUMENT);
  protected readonly t = inject(I18nService).messages;

  /** `?token=…` deep link (e.g. from the dashboard). */
  readonly token = input<string | undefined>();

  protected readonly reasons = INTERCEPT_REASONS;
  protected readonly allColumns: readonly InterceptColumn[] = [
    'time',
    'token',
    'clientIp',
    'reason',
    'rule',
    'request',
    'userAgent',
  ];
  protected readonly columnsKey = 'sentinel.logs.hiddenColumns';
  /** Columns hidden with the "Columns" menu (remembered); time and token always show. */
  protected readonly hiddenColumns = signal<ReadonlySet<string>>(
    readHiddenColumns(inject(LOCAL_STORAGE), this.columnsKey),
  );
  protected readonly columns = computed(
    () => visibleColumns(this.allColumns, this.hiddenColumns()) as InterceptColumn[],
  );
  protected readonly choosableColumns = computed<ChoosableColumn[]>(() => {
    const c = this.t().logs.columns;
    return [
      { id: 'clientIp', label: c.clientIp },
      { id: 'reason', label: c.reason },
      { id: 'rule', label: c.rule },
      { id: 'request', label: c.request },
      { id: 'userAgent', label: c.userAgent },
    ];
  });
  protected readonly dataSource = new PageDataSource<InterceptLogItem, LogQuery>(this.api);

  protected readonly timeRanges = TIME_RANGES;
  protected readonly filterForm = new FormGroup({
    range: new FormControl('', { nonNullable: true }),
    from: new FormControl('', { nonNullable: true }),
    to: new FormControl('', { nonNullable: true }),
    token: new FormControl('', { nonNullable: true }),
    clientIp: new FormControl('', { nonNullable: true }),
    reason: new FormControl<InterceptReason | ''>('', { nonNullable: true }),
  });
  private readonly filters = toSignal(
    this.filterForm.valueChanges.pipe(
      debounceTime(300),
      map((): LogFilters => this.filterForm.getRawValue()),
    ),
    { initialValue: EMPTY_LOG_FILTERS },
  );
  protected readonly pageIndex = signal(0);
  protected readonly pageSize = signal(DEFAULT_PAGE_SIZE);
  private readonly refresh = signal(0);

  /** null when idle, else the kilobytes received so far. */
  protected readonly exportProgress = signal<number | null>(null);
  private exportRequest?: Subscription;

  constructor() {
    effect(() => {
      const token = this.token() ?? '';
      untracked(() => {
        if (token && token !== this.filterForm.controls.token.value) {
          this.filterForm.controls.token.setValue(token);
        }
      });
    });
    effect(() => {
      this.refresh();
      const query: LogQuery = {
        ...toLogFilterQuery(this.filters()),
        page: this.pageIndex() + 1,
        pageSize: this.pageSize(),
      };
      untracked(() => this.dataSource.load(query));
    });
    this.filterForm.valueChanges.subscribe(() => this.pageIndex.set(0));
    // Filters live in the URL: a reload, back/forward or a shared link keeps them.
    const c = this.filterForm.controls;
    bindTimeRange(c.range, c.from, c.to);
    syncFiltersWithUrl(
      this.filterForm,
      ['from', 'to', 'token', 'clientIp', 'reason', 'range'],
      (name, value) => name !== 'token' || urlSafeToken(value),
    );
    inject(DestroyRef).onDestroy(() => {
      this.dataSource.disconnect();
      this.exportRequest?.unsubscribe();
    });
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

  /** Downloads the CSV of the current filters (server-streamed), then saves it as a file. */
  protected exportCsv(): void {
    if (this.exportProgress() !== null) return;
    this.exportProgress.set(0);
    this.exportRequest = this.api.export(toLogFilterQuery(this.filterForm.getRawValue())).subscribe({
      next: (event) => {
        if (event.type === HttpEventType.DownloadProgress) {
          this.exportProgress.set(Math.round(event.loaded / 1024));
        } else if (event.type === HttpEventType.Response && event.body) {
          const filename = filenameFromDisposition(event.headers.get('Content-Disposition')) ?? 'intercepts.csv';
          this.save(event.body, filename);
          this.exportProgress.set(null);
          this.toast.success(this.t().logs.exported(filename));
        }
      },
      error: (error: unknown) => {
        this.exportProgress.set(null);
        this.toast.error(error);
      },
      complete: () => this.exportProgress.set(null),
    });
  }

  private save(blob: Blob, filename: string): void {
    const url = URL.createObjectURL(blob);
    const link = this.document.createElement('a');
    link.href = url;
    link.download = filename;
    link.style.display = 'none';
    this.document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
