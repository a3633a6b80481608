import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, type Route } from '@angular/router';
import { DashboardApi } from '@sentinel/admin-client';
import type { StatusResponse } from '@sentinel/admin-contract';

import { appRoutes } from '../../app.routes';
import { NAV_ITEMS } from '../../shell/nav-items';
import { errorMessage } from '../errors/admin-error';
import { I18nService } from '../i18n/i18n.service';
import { en } from '../i18n/messages/en';
import { zhCN } from '../i18n/messages/zh-cn';
import { PAGE_IDS } from './pages';

/**
 * Worked example for docs/extending.md, "A new console page".
 *
 * Part 1 is the component-test pattern every page spec follows (audit.spec.ts,
 * dashboard.spec.ts): real component, real admin-client service, HTTP answered by
 * HttpTestingController, English pinned, assertions on the DOM through data-testid. The page
 * under test is a minimal "instance status" page written here; a real page lives in
 * pages/<id>/<id>.ts with this spec beside it as pages/<id>/<id>.spec.ts.
 *
 * Part 2 holds for every id in PAGE_IDS, so a new page is checked for the wiring the guide
 * lists: a lazy route in app.routes.ts, a navigation item (its icon), and a title and summary
 * in both languages.
 */

@Component({
  selector: 'app-instance-status',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>{{ t().pages.dashboard.title }}</h1>
    @if (error(); as message) {
      <p role="alert" data-testid="status-error">{{ message }}</p>
    } @else if (status(); as s) {
      <dl>
        <dt>Instance</dt>
        <dd data-testid="status-instance">{{ s.instanceId }}</dd>
        <dt>Mode</dt>
        <dd data-testid="status-mode">{{ s.mode }}</dd>
      </dl>
    } @else {
      <p data-testid="status-loading">{{ t().common.loading }}</p>
    }
  `,
})
class InstanceStatusPage {
  protected readonly t = inject(I18nService).messages;
  protected readonly status = signal<StatusResponse | null>(null);
  protected readonly error = signal<string | null>(null);

  constructor() {
    inject(DashboardApi)
      .status()
      .subscribe({
        next: (s) => this.status.set(s),
        error: (e: unknown) => this.error.set(errorMessage(e, this.t())),
      });
  }
}

const STATUS: StatusResponse = {
  instanceId: 'host#42',
  postgres: { up: true, mode: 'postgres' },
  redis: { up: false, mode: 'redis' },
  failsafeMode: 'closed',
  mode: 'redis_down',
  failsafeActive: false,
  checkedAt: '2026-01-07T00:00:00Z',
};

describe('extension example: a new console page', () => {
  describe('part 1: the component test pattern', () => {
    beforeEach(() => {
      jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
      localStorage.clear();
      TestBed.configureTestingModule({
        providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
      });
    });

    afterEach(() => {
      TestBed.inject(HttpTestingController).verify(); // no request left unanswered or unexpected
      jest.restoreAllMocks();
    });

    it('shows loading, then what the API answered', async () => {
      const fixture = TestBed.createComponent(InstanceStatusPage);
      fixture.detectChanges();
      const el = fixture.nativeElement as HTMLElement;
      expect(el.querySelector('[data-testid="status-loading"]')?.textContent).toContain(en.common.loading);

      TestBed.inject(HttpTestingController).expectOne('/admin/api/status').flush(STATUS);
      await fixture.whenStable();
      expect(el.querySelector('h1')?.textContent).toContain(en.pages.dashboard.title);
      expect(el.querySelector('[data-testid="status-instance"]')?.textContent).toBe('host#42');
      expect(el.querySelector('[data-testid="status-mode"]')?.textContent).toBe('redis_down');
    });

    it('shows the API error in the contract shape as a readable message', async () => {
      const fixture = TestBed.createComponent(InstanceStatusPage);
      TestBed.inject(HttpTestingController)
        .expectOne('/admin/api/status')
        .flush(
          { error: { code: 'unavailable', message: 'PostgreSQL is unreachable' } },
          { status: 503, statusText: 'Service Unavailable' },
        );
      await fixture.whenStable();
      const alert = (fixture.nativeElement as HTMLElement).querySelector('[data-testid="status-error"]');
      expect(alert?.textContent?.trim()).toBe('PostgreSQL is unreachable');
    });
  });

  describe('part 2: every page is wired', () => {
    const shell = appRoutes.find((r) => r.path === '' && r.children);
    const children: Route[] = shell?.children ?? [];

    it.each([...PAGE_IDS])('%s has a lazy route, a navigation item and titles in both languages', (page) => {
      const route = children.find((r) => r.path === page);
      expect(route?.loadChildren ?? route?.loadComponent).toEqual(expect.any(Function));
      expect(NAV_ITEMS.find((n) => n.page === page)?.path).toBe(`/${page}`);
      for (const messages of [en, zhCN]) {
        expect(messages.pages[page].title.trim()).not.toBe('');
        expect(messages.pages[page].summary.trim()).not.toBe('');
      }
    });
  });
});
