import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { AuditListResponse } from '@sentinel/admin-contract';

import { Audit, toAuditQuery } from './audit';

describe('Audit', () => {
  beforeEach(() => {
    jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
  });

  afterEach(() => jest.restoreAllMocks());

  it('builds the query from the filters', () => {
    expect(
      toAuditQuery(
        { kind: '', actor: '', action: 'binding.ban', targetType: '', targetId: ' 7 ', from: '', to: '' },
        1,
        25,
      ),
    ).toEqual({
      page: 2,
      pageSize: 25,
      kind: undefined,
      actor: undefined,
      action: 'binding.ban',
      targetType: undefined,
      targetId: '7',
      from: undefined,
      to: undefined,
    });
  });

  it('filters by actor and shows sign-ins on their own', () => {
    const q = toAuditQuery(
      { kind: 'auth', actor: ' ci (admin) ', action: '', targetType: '', targetId: '', from: '', to: '' },
      0,
      50,
    );
    expect(q).toMatchObject({ kind: 'auth', actor: 'ci (admin)' });
  });

  it('lists entries with translated actions and links bindings', async () => {
    const fixture = TestBed.createComponent(Audit);
    await fixture.whenStable();
    const page: AuditListResponse = {
      items: [
        {
          id: '1',
          actor: 'admin',
          action: 'binding.ban',
          targetType: 'binding',
          targetId: '7',
          before: { status: 'active' },
          after: { status: 'banned' },
          ip: '127.0.0.1',
          createdAt: '2026-01-01T00:00:00Z',
        },
      ],
      page: 1,
      pageSize: 50,
      total: 1,
    };
    TestBed.inject(HttpTestingController)
      .expectOne((r) => r.url === '/admin/api/audit')
      .flush(page);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const row = el.querySelector('tr.mat-mdc-row')?.textContent ?? '';
    expect(row).toContain('Ban');
    expect(row).toContain('admin');
    expect(el.querySelector('tr.mat-mdc-row a')?.getAttribute('href')).toBe('/bindings/7');
  });
});
