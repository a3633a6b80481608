import { DataSource } from '@angular/cdk/collections';
import { signal } from '@angular/core';
import type { Page } from '@sentinel/admin-contract';
import {
  BehaviorSubject,
  Observable,
  Subject,
  Subscription,
  catchError,
  map,
  of,
  switchMap,
  tap,
} from 'rxjs';

export interface PageLoader<T, Q> {
  list(query: Q): Observable<Page<T>>;
}

/**
 * Server-side data source of a paged table: every `load()` asks the API for one page; a newer
 * request cancels an older one still in flight, so the table never shows a stale page. State for
 * the template (loading, error, total) is exposed as signals.
 */
export class PageDataSource<T, Q> extends DataSource<T> {
  private readonly rows = new BehaviorSubject<T[]>([]);
  private readonly requests = new Subject<Q>();
  private readonly subscription: Subscription;

  readonly loading = signal(false);
  readonly error = signal<unknown>(null);
  readonly total = signal(0);
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
            map((page) => ({ ok: true as const, page })),
            catchError((error: unknown) => of({ ok: false as const, error })),
          ),
        ),
      )
      .subscribe((result) => {
        this.loading.set(false);
        if (result.ok) {
          this.total.set(result.page.total);
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
    this.requests.next(query);
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
