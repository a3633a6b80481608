import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { DashboardResponse } from '@sentinel/admin-contract';

import { AUTO_REFRESH_SECONDS, Dashboard } from './dashboard';

function response(mode: DashboardResponse['status']['mode']): DashboardResponse {
  const day = (d: number) => ({
    day: `2026-01-${String(d).padStart(2, '0')}`,
    allowed: d * 10,
    intercepted: d,
    newBindings: 1,
  });
  return {
    today: { day: '2026-01-07', allowed: 70, intercepted: 7, newBindings: 2, failsafePassed: 0 },
    bindings: { active: 5, banned: 1, total: 6 },
    series7d: [1, 2, 3, 4, 5, 6, 7].map(day),
    series30d: [day(1)],
    series24h: Array.from({ length: 24 }, (_, i) => ({
      hour: `2026-01-07T${String(i).padStart(2, '0')}`,
      allowed: i,
      intercepted: i % 2,
    })),
    topIntercepted: {
      '24h': [{ tokenId: 'a'.repeat(64), tokenMask: 'sk-ab…', intercepts: 3, lastAt: '2026-01-07T00:00:00Z' }],
      '7d': [],
    },
    latestIntercepts: [],
    sharedKeys: { windowSeconds: 3600, threshold: 3, items: [] },
    status: {
      instanceId: 'i',
      postgres: { up: mode === 'normal' || mode === 'redis_down', mode: 'postgres' },
      redis: { up: true, mode: 'redis' },
      failsafeMode: 'open',
      mode,
      failsafeActive: mode !== 'normal',
      checkedAt: '2026-01-07T00:00:00Z',
    },
    countersFlushIntervalSeconds: 5,
  };
}

describe('Dashboard', () => {
  beforeEach(() => {
    jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
  });

  afterEach(() => jest.restoreAllMocks());

  async function render(body: DashboardResponse) {
    const fixture = TestBed.createComponent(Dashboard);
    TestBed.inject(HttpTestingController).expectOne('/admin/api/dashboard').flush(body);
    await fixture.whenStable();
    return fixture.nativeElement as HTMLElement;
  }

  it('shows the cards, the chart and top tokens linking to their bindings', async () => {
    const el = await render(response('normal'));
    expect(el.querySelector('[data-testid="card-allowed"]')?.textContent).toContain('70');
    expect(el.querySelector('[data-testid="card-banned"]')?.textContent).toContain('1');
    expect(el.querySelectorAll('[data-testid="daily-chart"] rect.chart-allowed')).toHaveLength(7);
    expect(el.querySelector('[data-testid="top-intercepted"] a')?.getAttribute('href')).toBe(
      `/bindings?token=${'a'.repeat(64)}`,
    );
    expect(el.querySelector('[data-testid="degraded-banner"]')).toBeNull();
  });

  it('says when no key was seen from many addresses', async () => {
    const body = response('normal');
    const empty = await render(body);
    expect(empty.querySelector('[data-testid="shared-keys-panel"]')?.textContent).toContain(
      'Refused from 3 or more addresses within 1 h',
    );
    expect(empty.querySelector('[data-testid="shared-keys-empty"]')).not.toBeNull();
  });

  it('lists the keys seen from many addresses, each linking to its binding detail', async () => {
    const body = response('normal');
    const tokenId = 'b'.repeat(64);
    const el = await render({
      ...body,
      sharedKeys: {
        windowSeconds: 600,
        threshold: 4,
        items: [{ tokenId, tokenMask: 'sk-bb…', distinctAddresses: 5, lastAt: '2026-01-07T00:00:00Z' }],
      },
    });
    const row = el.querySelector('[data-testid="shared-keys"] li');
    expect(row?.textContent).toContain('5 addresses');
    expect(row?.querySelector('a')?.getAttribute('href')).toBe(`/bindings/${tokenId}`);
    expect(el.querySelector('[data-testid="shared-keys-panel"]')?.textContent).toContain(
      '4 or more addresses within 10 min',
    );
    expect(el.querySelector('[data-testid="shared-keys-empty"]')).toBeNull();
  });

  it('switches the chart to the last 24 hours, one bar per hour', async () => {
    const el = await render(response('normal'));
    el.querySelector<HTMLButtonElement>('[data-testid="series-24h"] button')?.click();
    TestBed.tick();
    expect(el.querySelectorAll('[data-testid="daily-chart"] rect.chart-allowed')).toHaveLength(24);
    expect(el.textContent).toContain('Requests per hour');
  });

  it('shows a banner in degraded mode', async () => {
    const el = await render(response('postgres_down'));
    const banner = el.querySelector('[data-testid="degraded-banner"]')?.textContent ?? '';
    expect(banner).toContain('PostgreSQL is unreachable');
    expect(banner).toContain('Failsafe open');
  });

  it('shows an error with a retry', async () => {
    const fixture = TestBed.createComponent(Dashboard);
    TestBed.inject(HttpTestingController)
      .expectOne('/admin/api/dashboard')
      .flush({ error: { code: 'internal', message: 'Boom.' } }, { status: 500, statusText: 'x' });
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid="dashboard-error"]')?.textContent).toContain('Boom.');
  });

  it('reloads itself every AUTO_REFRESH_SECONDS; paused (and remembered), it does not', async () => {
    jest.useFakeTimers();
    try {
      const fixture = TestBed.createComponent(Dashboard);
      const http = TestBed.inject(HttpTestingController);
      http.expectOne('/admin/api/dashboard').flush(response('normal'));
      jest.advanceTimersByTime(AUTO_REFRESH_SECONDS * 1000);
      http.expectOne('/admin/api/dashboard').flush(response('normal'));
      fixture.detectChanges();
      const toggle = (fixture.nativeElement as HTMLElement).querySelector<HTMLButtonElement>(
        '[data-testid="dashboard-auto-refresh"]',
      );
      expect(toggle?.textContent).toContain(`Live: updates every ${AUTO_REFRESH_SECONDS} s`);
      toggle?.click();
      fixture.detectChanges();
      expect(toggle?.textContent).toContain('Updates paused');
      expect(localStorage.getItem('sentinel.dashboard.autoRefresh')).toBe('off');
      jest.advanceTimersByTime(AUTO_REFRESH_SECONDS * 3000);
      http.expectNone('/admin/api/dashboard');
      fixture.destroy();
    } finally {
      jest.useRealTimers();
    }
  });
});
