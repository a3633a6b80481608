import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { provideAdminClient, ACCOUNT_STORAGE_KEY } from '@sentinel/admin-client';

import { OperationsCard } from './operations-card';

describe('OperationsCard', () => {
  let backend: HttpTestingController;

  beforeEach(() => {
    // The test alert and the archive run are shown to admins only (*appCan="'admin'").
    sessionStorage.setItem(
      ACCOUNT_STORAGE_KEY,
      JSON.stringify({ username: 'admin', role: 'admin', displayName: null, via: 'session', tokenName: null }),
    );
    TestBed.configureTestingModule({
      imports: [OperationsCard],
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideAdminClient(),
        { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => {
    // The card also lists the alert deliveries (on open and after a test alert).
    for (const r of backend.match('/admin/api/alerts/deliveries')) r.flush({ items: [] });
    backend.verify();
  });

  function render() {
    const fixture = TestBed.createComponent(OperationsCard);
    fixture.detectChanges();
    return fixture;
  }
  const text = (f: ReturnType<typeof render>, id: string) =>
    (f.nativeElement as HTMLElement).querySelector(`[data-testid="${id}"]`)?.textContent?.trim();

  it('shows the last archive run, or says there was none', () => {
    const f = render();
    backend.expectOne('/admin/api/archive/runs').flush({
      items: [
        {
          id: '1',
          instanceId: 'i',
          startedAt: '2026-11-22T08:00:00Z',
          finishedAt: null,
          rowsArchived: 7,
          logsDeleted: 2,
          error: null,
        },
      ],
    });
    f.detectChanges();
    expect(text(f, 'last-archive-run')).toContain('7 archived, 2 log rows deleted');
  });

  it('reports a failed test alert with its reason', () => {
    const f = render();
    backend.expectOne('/admin/api/archive/runs').flush({ items: [] });
    (f.nativeElement as HTMLElement).querySelector<HTMLButtonElement>('[data-testid="send-test-alert"]')?.click();
    backend.expectOne('/admin/api/alerts/test').flush({
      status: 'failed',
      attempts: 1,
      httpStatus: null,
      error: 'refused: 127.0.0.1, a loopback address',
      durationMs: 2,
    });
    f.detectChanges();
    expect(text(f, 'operations-result')).toBe('Test alert failed: refused: 127.0.0.1, a loopback address');
  });

  it('runs the archive and refreshes the last run', () => {
    const f = render();
    backend.expectOne('/admin/api/archive/runs').flush({ items: [] });
    f.detectChanges();
    expect(text(f, 'last-archive-run')).toBe('The archive job has not run yet.');
    (f.nativeElement as HTMLElement).querySelector<HTMLButtonElement>('[data-testid="run-archive"]')?.click();
    backend
      .expectOne('/admin/api/archive/run')
      .flush({ status: 'completed', startedAt: 'a', finishedAt: 'b', rowsArchived: 3, logsDeleted: 1, error: null });
    backend.expectOne('/admin/api/archive/runs').flush({
      items: [
        {
          id: '2',
          instanceId: 'i',
          startedAt: '2026-11-22T09:00:00Z',
          finishedAt: null,
          rowsArchived: 3,
          logsDeleted: 1,
          error: null,
        },
      ],
    });
    f.detectChanges();
    expect(text(f, 'operations-result')).toBe('Archive run finished: 3 bindings archived, 1 log rows deleted.');
    expect(text(f, 'last-archive-run')).toContain('3 archived');
  });
});
