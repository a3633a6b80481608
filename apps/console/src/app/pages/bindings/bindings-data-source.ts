import { HttpErrorResponse } from '@angular/common/http';
import type { BindingsApi } from '@sentinel/admin-client';
import type {
  BindingListQuery,
  BindingSortField,
  BindingStatus,
  BindingSummary,
  RuleKind,
  SortOrder,
} from '@sentinel/admin-contract';

import { Observable, catchError, map, of, throwError } from 'rxjs';

import { PageDataSource, PageLoader, type LoadedPage } from '../../shared/page-data-source/page-data-source';
import { urlSafeToken } from '../../shared/url-filters/url-filters';

/** The filter form's value. Empty strings mean "no filter". */
export interface BindingFilters {
  readonly token: string;
  readonly ip: string;
  readonly ruleKind: RuleKind | '';
  readonly status: BindingStatus | '';
  /** `datetime-local` values (local time, no zone). */
  readonly lastUsedFrom: string;
  readonly lastUsedTo: string;
  /** Label or note contains. */
  readonly label: string;
}

export const EMPTY_BINDING_FILTERS: BindingFilters = {
  token: '',
  ip: '',
  ruleKind: '',
  status: '',
  lastUsedFrom: '',
  lastUsedTo: '',
  label: '',
};

/** Table column id → the API's sort field; only these columns are sortable. */
export const BINDING_SORT_COLUMNS: Readonly<Record<string, BindingSortField>> = {
  last: 'last_used',
  created: 'created',
  intercepts: 'intercepts',
};

export interface BindingTableState {
  readonly filters: BindingFilters;
  /** 0-based, as MatPaginator counts. */
  readonly pageIndex: number;
  readonly pageSize: number;
  readonly sortColumn: string;
  readonly sortDirection: '' | SortOrder;
}

/** `datetime-local` value → ISO 8601 UTC, or undefined when empty or unparsable. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The API query for the table's state: trimmed filters, 1-based page, contract sort names. */
export function toBindingQuery(state: BindingTableState): BindingListQuery {
  const { filters } = state;
  const sort = BINDING_SORT_COLUMNS[state.sortColumn];
  const query: BindingListQuery = {
    page: state.pageIndex + 1,
    pageSize: state.pageSize,
    token: filters.token.trim() || undefined,
    ip: filters.ip.trim() || undefined,
    ruleKind: filters.ruleKind || undefined,
    status: filters.status || undefined,
    lastUsedFrom: localToIso(filters.lastUsedFrom),
    lastUsedTo: localToIso(filters.lastUsedTo),
    label: filters.label.trim() || undefined,
  };
  if (sort && state.sortDirection) {
    query.sort = sort;
    query.order = state.sortDirection;
  }
  return query;
}

export type BindingsLoader = PageLoader<BindingSummary, BindingListQuery>;

/**
 * A token filter that is a whole relay key (longer than any mask or id prefix): it is looked up
 * by POST (the key in the body), never listed by GET (the key would be in a URL).
 */
export function isWholeKey(token: string | undefined): token is string {
  return token !== undefined && token.trim() !== '' && !urlSafeToken(token);
}

/**
 * The bindings loader: the list, or — when the token filter is a whole key — the one binding
 * `POST bindings/lookup` finds (an empty page on 404). The other filters do not apply to a lookup.
 */
export function bindingsLoader(api: BindingsApi): BindingsLoader {
  return {
    list(query: BindingListQuery): Observable<LoadedPage<BindingSummary>> {
      if (!isWholeKey(query.token)) return api.list(query);
      const pageSize = query.pageSize ?? 50;
      return api.lookup(query.token.trim()).pipe(
        map((d) => ({ items: [d.binding], page: 1, pageSize, total: 1, nextCursor: null })),
        catchError((error: unknown) =>
          error instanceof HttpErrorResponse && error.status === 404
            ? of({ items: [], page: 1, pageSize, total: 0, nextCursor: null })
            : throwError(() => error),
        ),
      );
    },
  };
}

/** The bindings table's server-side data source (see `PageDataSource`). */
export class BindingsDataSource extends PageDataSource<BindingSummary, BindingListQuery> {}
