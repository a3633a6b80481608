import type {
  BindingListQuery,
  BindingSortField,
  BindingStatus,
  BindingSummary,
  RuleKind,
  SortOrder,
} from '@sentinel/admin-contract';

import { PageDataSource, PageLoader } from '../../shared/page-data-source/page-data-source';

/** The filter form's value. Empty strings mean "no filter". */
export interface BindingFilters {
  readonly token: string;
  readonly ip: string;
  readonly ruleKind: RuleKind | '';
  readonly status: BindingStatus | '';
  /** `datetime-local` values (local time, no zone). */
  readonly lastUsedFrom: string;
  readonly lastUsedTo: string;
}

export const EMPTY_BINDING_FILTERS: BindingFilters = {
  token: '',
  ip: '',
  ruleKind: '',
  status: '',
  lastUsedFrom: '',
  lastUsedTo: '',
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
  };
  if (sort && state.sortDirection) {
    query.sort = sort;
    query.order = state.sortDirection;
  }
  return query;
}

export type BindingsLoader = PageLoader<BindingSummary, BindingListQuery>;

/** The bindings table's server-side data source (see `PageDataSource`). */
export class BindingsDataSource extends PageDataSource<BindingSummary, BindingListQuery> {}
