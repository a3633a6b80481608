import { DataSource } from '@angular/cdk/collections';
import { signal } from '@angular/core';
import type { Page } from '@sentinel/admin-contract';
import { BehaviorSubject, Observable, Subject, Subscription, catchError, map, of, switchMap, tap } from 'rxjs';

/** A page, and for keyset-paged lists (bindings, logs) the next page's cursor. */
export type LoadedPage<T> = Page<T> & { nextCursor?: string | null; totalExact?: boolean };

export interface PageLoader<T, Q> {
  list(query: Q): Observable<LoadedPage<T>>;
}

/** What a paged query has in common: a 1-based page, and optionally a keyset cursor. */
export interface PagedQuery {
  page?: number;
  cursor?: string;
}

/** The query without its position: pages of one "shape" share their cursors. */
function shapeOf(query: PagedQuery): string {
  const rest: Record<string, unknown> = { ...query };
  delete rest['page'];
  delete rest['cursor'];
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/**
 * Server-side data source of a paged table: every `load()` asks the API for one page; a newer
 * request cancels an older one still in flight, so the table never shows a stale page. State for
 * the template (loading, error, total) is exposed as signals.
 *
 * Keyset paging: when a response carries `nextCursor`, it is remembered as the position of the
 * next page of the same query shape (filters, sort, page size); loading that page (or going back
 * to one already visited) sends the cursor with the page number, so page 20,000 costs what page 2
 * does. A page reached any other way (a jump, a new shape) is asked for by offset.
 */
export class PageDataSource<T, Q extends PagedQuery> extends DataSource<T> {
  private readonly rows = new BehaviorSubject<T[]>([]);
  private readonly requests = new Subject<Q>();
  private readonly subscription: Subscription;
  /** page number → the cursor that starts it, for queries of `cursorShape`. */
  private cursors = new Map<number, string>();
  private cursorShape = '';

  readonly loading = signal(false);
  readonly error = signal<unknown>(null);
  readonly total = signal(0);
  /** false when the server's total is an estimate (a very long list). */
  readonly totalExact = signal(true);
  readonly lastQuery = signal<Q | null>(null);
  /**
   * The current rows as a signal. Templates bind the table to this (`[dataSource]="ds.items()"`)
   * so that an OnPush page is re-checked when a page arrives: with a DataSource the table only
   * swaps a row's context when an updated row keeps its trackBy id, and nothing re-renders it.
   */
  readonly items = signal<readonly T[]>([]);

  constructor(loader: PageLoader<T, Q>) {
    super();
    this.subscription = this.requests
      .pipe(
        tap((query) => {
          this.loading.set(true);
          this.error.set(null);
          this.lastQuery.set(query);
        }),
        switchMap((query) =>
          loader.list(query).pipe(
            tap((page) => this.remember(query, page)),
            map((page) => ({ ok: true as const, page })),
            catchError((error: unknown) => of({ ok: false as const, error })),
          ),
        ),
      )
      .subscribe((result) => {
        this.loading.set(false);
        if (result.ok) {
          this.total.set(result.page.total);
          this.totalExact.set(result.page.totalExact ?? true);
          this.items.set(result.page.items);
          this.rows.next(result.page.items);
        } else {
          this.error.set(result.error);
          this.total.set(0);
          this.items.set([]);
          this.rows.next([]);
        }
      });
  }

  get data(): readonly T[] {
    return this.rows.value;
  }

  load(query: Q): void {
    const shape = shapeOf(query);
    if (shape !== this.cursorShape) {
      this.cursorShape = shape;
      this.cursors = new Map();
    }
    const cursor = query.cursor ?? this.cursors.get(query.page ?? 1);
    this.requests.next(cursor ? { ...query, cursor } : query);
  }

  private remember(query: Q, page: LoadedPage<T>): void {
    if (page.nextCursor && shapeOf(query) === this.cursorShape)
      this.cursors.set((query.page ?? 1) + 1, page.nextCursor);
  }

  /** Loads the last query again (after an action changed a row). */
  reload(): void {
    const query = this.lastQuery();
    if (query) this.load(query);
  }

  connect(): Observable<readonly T[]> {
    return this.rows.asObservable();
  }

  disconnect(): void {
    this.subscription.unsubscribe();
    this.rows.complete();
  }
}
