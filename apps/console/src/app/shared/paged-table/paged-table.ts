import { ChangeDetectionStrategy, Component, Signal, computed, inject, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';

import { errorMessage } from '../../core/errors/admin-error';
import { I18nService } from '../../core/i18n/i18n.service';

/** Page sizes offered by every server-side table. */
export const PAGE_SIZES: readonly number[] = [25, 50, 100, 200];

/** What the frame reads from a table's data source (PageDataSource has it). */
export interface PagedTableState {
  readonly loading: Signal<boolean>;
  readonly error: Signal<unknown>;
  readonly total: Signal<number>;
  /** false when the total is the server's estimate: no "last page" button then. */
  readonly totalExact?: Signal<boolean>;
}

/**
 * The frame of a server-side table, shared by Bindings, Logs and Audit: a horizontally scrolling
 * box with the loading bar, the projected `mat-table`, the error state (with retry) or the empty
 * state, and the paginator. Test ids are `<testId>-error` and `<testId>-empty`.
 */
@Component({
  selector: 'app-paged-table',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatPaginatorModule, MatProgressBarModule],
  templateUrl: './paged-table.html',
  styleUrl: './paged-table.scss',
})
export class PagedTable {
  protected readonly t = inject(I18nService).messages;
  protected readonly pageSizes = PAGE_SIZES;

  readonly source = input.required<PagedTableState>();
  readonly emptyText = input.required<string>();
  readonly testId = input.required<string>();
  readonly pageIndex = input.required<number>();
  readonly pageSize = input.required<number>();

  readonly page = output<PageEvent>();
  readonly retry = output<void>();

  protected readonly errorText = computed(() => {
    const error = this.source().error();
    return error ? errorMessage(error, this.t()) : '';
  });
  protected readonly isEmpty = computed(() => {
    const source = this.source();
    return !source.loading() && !source.error() && source.total() === 0;
  });
}
