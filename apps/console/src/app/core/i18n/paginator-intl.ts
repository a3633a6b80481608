import { Injectable, Provider, effect, inject } from '@angular/core';
import { MatPaginatorIntl } from '@angular/material/paginator';

import { I18nService } from './i18n.service';

/** Paginator labels from the current dictionary; re-labels on a language switch. */
@Injectable()
export class I18nPaginatorIntl extends MatPaginatorIntl {
  private readonly t = inject(I18nService).messages;

  constructor() {
    super();
    effect(() => {
      const p = this.t().common.paginator;
      this.itemsPerPageLabel = p.itemsPerPage;
      this.nextPageLabel = p.nextPage;
      this.previousPageLabel = p.previousPage;
      this.firstPageLabel = p.firstPage;
      this.lastPageLabel = p.lastPage;
      this.changes.next();
    });
  }

  override getRangeLabel = (page: number, pageSize: number, length: number) => {
    const start = length === 0 ? 0 : page * pageSize + 1;
    const end = Math.min((page + 1) * pageSize, length);
    return this.t().common.paginator.range(start, end, length);
  };
}

/**
 * For the routes of pages with a paginator (kept out of the app config so that the paginator's
 * code stays in the lazy page chunks).
 */
export function providePaginatorIntl(): Provider {
  return { provide: MatPaginatorIntl, useClass: I18nPaginatorIntl };
}
