import type { InterceptReason, LogQuery } from '@sentinel/admin-contract';

import { localToIso } from '../bindings/bindings-data-source';

export interface LogFilters {
  readonly from: string;
  readonly to: string;
  readonly token: string;
  readonly clientIp: string;
  readonly reason: InterceptReason | '';
}

export const EMPTY_LOG_FILTERS: LogFilters = {
  from: '',
  to: '',
  token: '',
  clientIp: '',
  reason: '',
};

/** The filters as the API's query (no paging: the CSV export takes the same). */
export function toLogFilterQuery(filters: LogFilters): Omit<LogQuery, 'page' | 'pageSize'> {
  return {
    from: localToIso(filters.from),
    to: localToIso(filters.to),
    token: filters.token.trim() || undefined,
    clientIp: filters.clientIp.trim() || undefined,
    reason: filters.reason || undefined,
  };
}
