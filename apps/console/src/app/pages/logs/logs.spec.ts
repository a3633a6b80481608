import { HttpEventType, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { LogListResponse } from '@sentinel/admin-contract';

import { Logs } from './logs';
import { toLogFilterQuery } from './logs-query';

describe('toLogFilterQuery', () => {
  it('trims, drops empty filters and converts local times to ISO', () => {
    expect(
      toLogFilterQuery({ from: '2026-01-02T03:04', to: '', token: ' sk-a ', clientIp: '', reason: 'banned' }),
    ).toEqual({
      from: new Date('2026-01-02T03:04').toISOString(),
      to: undefined,
      token: 'sk-a',
      clientIp: undefined,
      reason: 'banned',
    });
  });
});

describe('Logs', () => {
  const empty: LogListResponse = { items: [], page: 1, pageSize: 50, total: 0, nextCursor: null, totalExact: true };

  beforeEach(() => {
    jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
  });

  afterEach(() => jest.restoreAllMocks());

  it('loads the first page, shows the empty state, exports with progress and saves the file', async () => {
    const createObjectURL = jest.fn(() => 'blob:x');
    Object.assign(URL, { createObjectURL, revokeObjectURL: jest.fn() });
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    const backend = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(Logs);
    await fixture.whenStable();
    backend.expectOne((r) => r.url === '/admin/api/logs').flush(empty);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid="logs-empty"]')).not.toBeNull();

    el.querySelector<HTMLButtonElement>('[data-testid="logs-export"]')?.click();
    const req = backend.expectOne((r) => r.url === '/admin/api/logs/export');
    req.event({ type: HttpEventType.DownloadProgress, loaded: 4096 });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="export-progress"]')?.textContent).toContain('4 KB');

    req.flush(new Blob(['time\r\n']), {
      headers: { 'Content-Disposition': 'attachment; filename="intercepts_all_all.csv"' },
    });
    await fixture.whenStable();
    expect(createObjectURL).toHaveBeenCalled();
    expect(click).toHaveBeenCalled();
    expect(el.querySelector('[data-testid="export-progress"]')).toBeNull();
  });
});
