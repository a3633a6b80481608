import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { BindingListResponse, BindingSummary } from '@sentinel/admin-contract';

import { bindingsRoutes } from './bindings.routes';

const tokenId = 'ab'.repeat(32);
const row: BindingSummary = {
  id: '7',
  tokenId,
  tokenMask: 'sk-ab12…',
  ruleKind: 'multiple',
  ruleEntries: ['10.0.0.0/8', '192.0.2.1'],
  status: 'active',
  firstIp: '10.0.0.1',
  firstUsedAt: '2026-01-01T00:00:00Z',
  learning: false,
  maxAddresses: null,
  label: null,
  lastIp: '10.0.0.2',
  lastUsedAt: '2026-01-02T00:00:00Z',
  note: null,
  interceptCount: 3,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('Bindings page', () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
        provideRouter([{ path: 'bindings', children: bindingsRoutes }], withComponentInputBinding()),
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => jest.restoreAllMocks());

  it('filters by ?token=, sorts by last use and renders a row', async () => {
    const harness = await RouterTestingHarness.create(`/bindings?token=${tokenId}`);
    await new Promise((r) => setTimeout(r, 350));
    await harness.fixture.whenStable();
    const reqs = backend.match((r) => r.url === '/admin/api/bindings');
    const last = reqs.at(-1);
    if (!last) throw new Error('no request');
    expect(last.request.params.get('token')).toBe(tokenId);
    expect(last.request.params.get('sort')).toBe('last_used');
    expect(last.request.params.get('order')).toBe('desc');
    last.flush({
      items: [row],
      page: 1,
      pageSize: 50,
      total: 1,
      nextCursor: null,
      totalExact: true,
    } satisfies BindingListResponse);
    await harness.fixture.whenStable();

    const el = harness.routeNativeElement as HTMLElement;
    const text = el.querySelector('[data-testid="binding-row-7"]')?.textContent ?? '';
    expect(text).toContain('sk-ab12…');
    expect(text).toContain('Multiple');
    expect(text).toContain('10.0.0.0/8, 192.0.2.1');
    expect(text).toContain('Active');
    expect(el.querySelector('[data-testid="row-actions-7"]')?.getAttribute('aria-label')).toBe('Actions for sk-ab12…');
  });

  it('re-renders a row that a reload changed (same id, new status)', async () => {
    const harness = await RouterTestingHarness.create('/bindings');
    await harness.fixture.whenStable();
    backend
      .match((r) => r.url === '/admin/api/bindings')
      .forEach((r) => r.flush({ items: [row], page: 1, pageSize: 50, total: 1 }));
    await harness.fixture.whenStable();
    const el = harness.routeNativeElement as HTMLElement;
    const status = () => el.querySelector('[data-testid="binding-row-7"] .status-pill')?.textContent?.trim();
    expect(status()).toBe('Active');

    el.querySelector<HTMLButtonElement>('[data-testid="bindings-refresh"]')?.click();
    await harness.fixture.whenStable();
    backend
      .match((r) => r.url === '/admin/api/bindings')
      .forEach((r) => r.flush({ items: [{ ...row, status: 'banned' }], page: 1, pageSize: 50, total: 1 }));
    await harness.fixture.whenStable();
    expect(status()).toBe('Banned');
  });

  it('shows the empty state', async () => {
    const harness = await RouterTestingHarness.create('/bindings');
    await harness.fixture.whenStable();
    backend
      .match((r) => r.url === '/admin/api/bindings')
      .forEach((r) => r.flush({ items: [], page: 1, pageSize: 50, total: 0, nextCursor: null, totalExact: true }));
    await harness.fixture.whenStable();
    expect((harness.routeNativeElement as HTMLElement).querySelector('[data-testid="bindings-empty"]')).not.toBeNull();
  });
});
