import type { BindingListQuery, BindingListResponse, BindingSummary } from '@sentinel/admin-contract';
import { HttpErrorResponse } from '@angular/common/http';
import type { BindingsApi } from '@sentinel/admin-client';
import { Subject, firstValueFrom, of, throwError } from 'rxjs';

import {
  BindingsDataSource,
  EMPTY_BINDING_FILTERS,
  bindingsLoader,
  isWholeKey,
  toBindingQuery,
} from './bindings-data-source';

function binding(id: string): BindingSummary {
  return {
    id,
    tokenId: 'a'.repeat(64),
    tokenMask: `sk-${id}…`,
    ruleKind: 'single',
    ruleEntries: ['10.0.0.1/32'],
    status: 'active',
    firstIp: '10.0.0.1',
    firstUsedAt: '2026-01-01T00:00:00Z',
    learning: false,
    maxAddresses: null,
    label: null,
    lastIp: null,
    lastUsedAt: null,
    note: null,
    interceptCount: 0,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };
}

describe('toBindingQuery', () => {
  it('maps page, sort and trimmed filters to the contract query', () => {
    expect(
      toBindingQuery({
        filters: {
          ...EMPTY_BINDING_FILTERS,
          token: '  sk-ab ',
          status: 'banned',
          lastUsedFrom: '2026-01-02T03:04',
        },
        pageIndex: 2,
        pageSize: 25,
        sortColumn: 'last',
        sortDirection: 'desc',
      }),
    ).toEqual({
      page: 3,
      pageSize: 25,
      token: 'sk-ab',
      ip: undefined,
      ruleKind: undefined,
      status: 'banned',
      lastUsedFrom: new Date('2026-01-02T03:04').toISOString(),
      lastUsedTo: undefined,
      sort: 'last_used',
      order: 'desc',
    });
  });

  it('leaves sort out for unsortable columns or no direction', () => {
    const base = { filters: EMPTY_BINDING_FILTERS, pageIndex: 0, pageSize: 50 };
    expect(toBindingQuery({ ...base, sortColumn: 'token', sortDirection: 'asc' }).sort).toBeUndefined();
    expect(toBindingQuery({ ...base, sortColumn: 'created', sortDirection: '' }).sort).toBeUndefined();
    expect(toBindingQuery({ ...base, sortColumn: 'intercepts', sortDirection: 'asc' })).toMatchObject({
      sort: 'intercepts',
      order: 'asc',
    });
  });
});

describe('BindingsDataSource', () => {
  let responses: Subject<BindingListResponse>[];
  let queries: BindingListQuery[];
  let source: BindingsDataSource;
  let rows: (readonly BindingSummary[])[];

  beforeEach(() => {
    responses = [];
    queries = [];
    source = new BindingsDataSource({
      list: (query) => {
        queries.push(query);
        const response = new Subject<BindingListResponse>();
        responses.push(response);
        return response;
      },
    });
    rows = [];
    source.connect().subscribe((r) => rows.push(r));
  });

  afterEach(() => source.disconnect());

  it('loads a page, exposing loading and total', () => {
    source.load({ page: 1 });
    expect(source.loading()).toBe(true);

    responses[0].next({ items: [binding('1')], page: 1, pageSize: 50, total: 51, nextCursor: null, totalExact: true });

    expect(source.loading()).toBe(false);
    expect(source.total()).toBe(51);
    expect(rows.at(-1)?.map((b) => b.id)).toEqual(['1']);
  });

  it('drops a stale response when a newer query was made', () => {
    source.load({ page: 1 });
    source.load({ page: 2 });

    responses[0].next({ items: [binding('old')], page: 1, pageSize: 50, total: 1, nextCursor: null, totalExact: true });
    expect(rows.at(-1)).toEqual([]);
    expect(source.loading()).toBe(true);

    responses[1].next({ items: [binding('new')], page: 2, pageSize: 50, total: 2, nextCursor: null, totalExact: true });
    expect(rows.at(-1)?.map((b) => b.id)).toEqual(['new']);
    expect(source.loading()).toBe(false);
  });

  it('keeps working after an error, and reload repeats the last query', () => {
    const failing = new BindingsDataSource({
      list: () => throwError(() => new Error('boom')),
    });
    failing.load({ page: 4 });
    expect(failing.error()).toBeInstanceOf(Error);
    expect(failing.loading()).toBe(false);
    expect(failing.total()).toBe(0);
    failing.disconnect();

    source.load({ page: 3, token: 'sk' });
    responses[0].next({ items: [], page: 3, pageSize: 50, total: 0, nextCursor: null, totalExact: true });
    source.reload();
    expect(queries).toEqual([
      { page: 3, token: 'sk' },
      { page: 3, token: 'sk' },
    ]);
  });

  it('pages forward and back by the cursors the server returned, and forgets them when the query changes', () => {
    const page = (n: number, nextCursor: string | null): BindingListResponse => ({
      items: [binding(String(n))],
      page: n,
      pageSize: 50,
      total: 20_000,
      totalExact: false,
      nextCursor,
    });
    source.load({ page: 1, pageSize: 50, sort: 'intercepts' });
    responses[0].next(page(1, 'c2'));
    expect(source.totalExact()).toBe(false);
    source.load({ page: 2, pageSize: 50, sort: 'intercepts' });
    responses[1].next(page(2, 'c3'));
    source.load({ page: 3, pageSize: 50, sort: 'intercepts' });
    responses[2].next(page(3, null));
    source.load({ page: 2, pageSize: 50, sort: 'intercepts' });
    // A jump to a page no cursor is known for falls back to the offset.
    source.load({ page: 9, pageSize: 50, sort: 'intercepts' });
    // Another shape (a filter) starts over: its pages have their own cursors.
    source.load({ page: 2, pageSize: 50, sort: 'intercepts', status: 'banned' });
    source.reload();
    expect(queries).toEqual([
      { page: 1, pageSize: 50, sort: 'intercepts' },
      { page: 2, pageSize: 50, sort: 'intercepts', cursor: 'c2' },
      { page: 3, pageSize: 50, sort: 'intercepts', cursor: 'c3' },
      { page: 2, pageSize: 50, sort: 'intercepts', cursor: 'c2' },
      { page: 9, pageSize: 50, sort: 'intercepts' },
      { page: 2, pageSize: 50, sort: 'intercepts', status: 'banned' },
      { page: 2, pageSize: 50, sort: 'intercepts', status: 'banned' },
    ]);
  });
});

describe('bindingsLoader', () => {
  const KEY = `sk-${'k'.repeat(48)}`;
  const page = { items: [binding('1')], page: 1, pageSize: 50, total: 1, nextCursor: null, totalExact: true };

  function api(lookup: BindingsApi['lookup']): { api: BindingsApi; list: jest.Mock; lookup: jest.Mock } {
    const list = jest.fn(() => of(page));
    const lookupMock = jest.fn(lookup);
    return { api: { list, lookup: lookupMock } as unknown as BindingsApi, list, lookup: lookupMock };
  }

  it('tells a whole key from a mask, an id or a short prefix', () => {
    expect(isWholeKey(KEY)).toBe(true);
    expect(isWholeKey('sk-ab12')).toBe(false);
    expect(isWholeKey('sk-ab12…')).toBe(false);
    expect(isWholeKey('ab'.repeat(32))).toBe(false);
    expect(isWholeKey('')).toBe(false);
    expect(isWholeKey(undefined)).toBe(false);
  });

  it('lists by GET for a prefix, and looks a whole key up by POST, never listing it', async () => {
    const a = api(() => of({ binding: binding('9'), recentIntercepts: [], auditHistory: [] }));
    await firstValueFrom(bindingsLoader(a.api).list({ token: 'sk-ab', pageSize: 50 }));
    expect(a.list).toHaveBeenCalledTimes(1);
    const found = await firstValueFrom(bindingsLoader(a.api).list({ token: ` ${KEY} `, pageSize: 50 }));
    expect(a.lookup).toHaveBeenCalledWith(KEY);
    expect(a.list).toHaveBeenCalledTimes(1);
    expect(found.items.map((b) => b.id)).toEqual(['9']);
    expect(found.total).toBe(1);
  });

  it('shows a key that is not bound as an empty page, and other errors as errors', async () => {
    const missing = api(() => throwError(() => new HttpErrorResponse({ status: 404 })));
    expect((await firstValueFrom(bindingsLoader(missing.api).list({ token: KEY }))).total).toBe(0);
    const down = api(() => throwError(() => new HttpErrorResponse({ status: 503 })));
    await expect(firstValueFrom(bindingsLoader(down.api).list({ token: KEY }))).rejects.toBeInstanceOf(
      HttpErrorResponse,
    );
  });
});
