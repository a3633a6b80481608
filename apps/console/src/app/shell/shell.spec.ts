import { BreakpointObserver, BreakpointState } from '@angular/cdk/layout';
import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { TestBed } from '@angular/core/testing';
import { MatMenuHarness } from '@angular/material/menu/testing';
import { MatSidenavHarness } from '@angular/material/sidenav/testing';
import { Router, provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { AUTH_TOKEN_STORAGE_KEY } from '@sentinel/admin-client';
import { BehaviorSubject, map } from 'rxjs';

import { appRoutes } from '../app.routes';
import { LANGUAGE_STORAGE_KEY } from '../core/i18n/i18n.service';
import { THEME_STORAGE_KEY } from '../core/theme/theme.service';

describe('Shell', () => {
  const html = document.documentElement;
  let handset: BehaviorSubject<boolean>;
  let browserLanguage: jest.SpyInstance<string>;

  beforeEach(() => {
    localStorage.clear();
    sessionStorage.setItem(AUTH_TOKEN_STORAGE_KEY, 'a.b.c');
    html.className = '';
    browserLanguage = jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
    handset = new BehaviorSubject(false);
  });

  afterEach(() => {
    browserLanguage.mockRestore();
    localStorage.clear();
    html.className = '';
  });

  /** The real app routes, rendered at `url`; the viewport is whatever `handset` says. */
  async function render(url = '/dashboard') {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter(appRoutes, withComponentInputBinding()),
        {
          provide: BreakpointObserver,
          useValue: {
            observe: () => handset.pipe(map((matches): BreakpointState => ({ matches, breakpoints: {} }))),
          },
        },
      ],
    });
    const harness = await RouterTestingHarness.create(url);
    const element = harness.fixture.nativeElement as HTMLElement;
    const loader: HarnessLoader = TestbedHarnessEnvironment.loader(harness.fixture);
    const stable = () => harness.fixture.whenStable();
    const text = (selector: string) => element.querySelector(selector)?.textContent?.trim() ?? '';
    const button = (testId: string) => element.querySelector<HTMLButtonElement>(`[data-testid="${testId}"]`);
    const navLabels = () => Array.from(element.querySelectorAll('mat-nav-list a'), (a) => a.textContent?.trim());
    return { harness, element, loader, stable, text, button, navLabels };
  }

  describe('navigation', () => {
    it('renders the toolbar and one link per page, in order', async () => {
      const { element, text, navLabels } = await render();

      expect(text('mat-toolbar [data-testid="brand"]')).toBe('Sentinel');
      expect(navLabels()).toEqual(['Dashboard', 'Bindings', 'Logs', 'Settings', 'Audit', 'Accounts']);
      const hrefs = Array.from(element.querySelectorAll('mat-nav-list a'), (a) => a.getAttribute('href'));
      expect(hrefs).toEqual(['/dashboard', '/bindings', '/logs', '/settings', '/audit', '/accounts']);
      expect(element.querySelector('mat-nav-list')?.getAttribute('aria-label')).toBe('Main navigation');
    });

    it('redirects / to the dashboard and marks its link as the current page', async () => {
      const { element, text } = await render('/');

      expect(text('h1')).toBe('Dashboard');
      const current = element.querySelectorAll('mat-nav-list a[aria-current="page"]');
      expect(Array.from(current, (a) => a.textContent?.trim())).toEqual(['Dashboard']);
    });

    it('navigates to a page from the side nav and marks its link current', async () => {
      const { element, stable, text } = await render();

      element.querySelector<HTMLAnchorElement>('[data-testid="nav-bindings"]')?.click();
      await stable();

      expect(text('h1')).toBe('Bindings');
      expect(element.querySelector('[data-testid="nav-bindings"]')?.getAttribute('aria-current')).toBe('page');
    });
  });

  describe('logout', () => {
    it('drops the session and goes to the login page', async () => {
      const { button, stable, harness } = await render('/bindings');

      button('logout')?.click();
      await stable();

      expect(sessionStorage.getItem(AUTH_TOKEN_STORAGE_KEY)).toBeNull();
      expect(harness.routeNativeElement?.querySelector('app-login')).toBeDefined();
      expect(TestBed.inject(Router).url).toBe('/login');
    });
  });

  describe('theme toggle', () => {
    it('switches between light and dark and remembers the choice', async () => {
      const { button, stable } = await render();
      const toggle = button('theme-toggle');
      expect(html.classList).toContain('theme-light');
      expect(toggle?.getAttribute('aria-label')).toBe('Switch to dark theme');

      toggle?.click();
      await stable();

      expect(html.classList).toContain('theme-dark');
      expect(html.classList).not.toContain('theme-light');
      expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('dark');
      expect(toggle?.getAttribute('aria-label')).toBe('Switch to light theme');
      expect(toggle?.querySelector('app-icon')?.getAttribute('data-icon')).toBe('light_mode');

      toggle?.click();
      await stable();

      expect(html.classList).toContain('theme-light');
      expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('light');
    });

    it('starts in the remembered theme', async () => {
      localStorage.setItem(THEME_STORAGE_KEY, 'dark');

      const { button } = await render();

      expect(html.classList).toContain('theme-dark');
      expect(button('theme-toggle')?.getAttribute('aria-label')).toBe('Switch to light theme');
    });
  });

  describe('language switch', () => {
    it('translates the visible text and remembers the choice', async () => {
      const { loader, button, stable, text, navLabels } = await render();
      expect(text('[data-testid="language-switch"]')).toBe('English');

      const menu = await loader.getHarness(MatMenuHarness.with({ selector: '[data-testid="language-switch"]' }));
      await menu.clickItem({ text: '简体中文' });
      await stable();

      expect(navLabels()).toEqual(['仪表盘', '绑定', '日志', '设置', '审计', '账户']);
      expect(text('h1')).toBe('仪表盘');
      expect(text('[data-testid="language-switch"]')).toBe('简体中文');
      expect(button('theme-toggle')?.getAttribute('aria-label')).toBe('切换到深色主题');
      expect(html.lang).toBe('zh-CN');
      expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('zh-CN');
    });

    it('marks the current language in the menu', async () => {
      const { loader } = await render();

      const menu = await loader.getHarness(MatMenuHarness.with({ selector: '[data-testid="language-switch"]' }));
      await menu.open();
      const items = await menu.getItems();
      const checked = await Promise.all(
        items.map(async (item) => [await item.getText(), await (await item.host()).getAttribute('aria-checked')]),
      );

      expect(checked).toEqual([
        ['English', 'true'],
        ['简体中文', 'false'],
      ]);
    });

    it('starts in the remembered language', async () => {
      localStorage.setItem(LANGUAGE_STORAGE_KEY, 'zh-CN');

      const { navLabels } = await render();

      expect(navLabels()[0]).toBe('仪表盘');
    });
  });

  describe('responsive side nav', () => {
    it('sits open beside the content on larger screens', async () => {
      const { loader } = await render();

      const sidenav = await loader.getHarness(MatSidenavHarness);
      expect(await sidenav.getMode()).toBe('side');
      expect(await sidenav.isOpen()).toBe(true);
    });

    it('is a closed overlay on phones that closes again after navigating', async () => {
      handset.next(true);
      const { loader, button, element, stable, text } = await render();
      const sidenav = await loader.getHarness(MatSidenavHarness);
      expect(await sidenav.getMode()).toBe('over');
      expect(await sidenav.isOpen()).toBe(false);

      button('nav-toggle')?.click();
      await stable();
      expect(await sidenav.isOpen()).toBe(true);
      expect(button('nav-toggle')?.getAttribute('aria-expanded')).toBe('true');

      element.querySelector<HTMLAnchorElement>('[data-testid="nav-logs"]')?.click();
      await stable();
      expect(text('h1')).toBe('Logs');
      expect(await sidenav.isOpen()).toBe(false);
    });

    it('closes on a backdrop click and opens again from the toolbar', async () => {
      handset.next(true);
      const { loader, button, element, stable } = await render();
      const sidenav = await loader.getHarness(MatSidenavHarness);
      button('nav-toggle')?.click();
      await stable();

      element.querySelector<HTMLElement>('.mat-drawer-backdrop')?.click();
      await stable();
      expect(await sidenav.isOpen()).toBe(false);
      // The drawer reports the close asynchronously (closedStart, after its animation frame): under
      // a loaded test run that can take a few turns, so wait for the toolbar to catch up.
      for (let turn = 0; turn < 20 && button('nav-toggle')?.getAttribute('aria-expanded') !== 'false'; turn++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        await stable();
      }
      expect(button('nav-toggle')?.getAttribute('aria-expanded')).toBe('false');

      button('nav-toggle')?.click();
      await stable();
      expect(await sidenav.isOpen()).toBe(true);
    });

    it('follows the viewport when it changes', async () => {
      const { loader, stable } = await render();
      const sidenav = await loader.getHarness(MatSidenavHarness);

      handset.next(true);
      await stable();

      expect(await sidenav.getMode()).toBe('over');
      expect(await sidenav.isOpen()).toBe(false);
    });
  });
});
