import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { VIEWPORT, launchChromium } from './support/browser';
import { describeWithServices } from '@sentinel/testing-support';
import { ConsoleStack, SECRETS } from './support/stack';

/*
 * The console under its Content-Security-Policy (issue 17, item 7): the built console, served by
 * the built Sentinel with the policy on, visited page by page in Debian's chromium. Every
 * violation is collected twice — the `securitypolicyviolation` event in the page, and chromium's
 * console message ("Refused to …") — and the test expects none. A last check proves the collector
 * sees a violation when there is one.
 */

const describeInBrowser = (name: string, fn: () => void) =>
  describeWithServices(['postgres', 'redis', 'chromium'], name, fn);

interface Violation {
  directive: string;
  blocked: string;
  source: string;
}

declare global {
  interface Window {
    __cspViolations?: Violation[];
  }
}

describeInBrowser('the console under its Content-Security-Policy (issue 17, item 7)', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleViolations: string[] = [];
  const policies = new Set<string>();
  const KEY = `sk-csp0${randomBytes(24).toString('hex').slice(0, 44)}`;

  const nav = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });
  const violations = (): Promise<Violation[]> => page.evaluate(() => window.__cspViolations ?? []);

  beforeAll(async () => {
    stack = await new ConsoleStack().start();
    expect(await stack.relay(KEY, '127.0.0.2')).toBe(200);
    expect(await stack.relay(KEY, '127.0.0.3')).toBe(403);
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT });
    context.setDefaultTimeout(20_000);
    // Runs before any page script, in every document (full loads included).
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__cspViolations?.push({
          directive: e.violatedDirective,
          blocked: e.blockedURI,
          source: `${e.sourceFile}:${e.lineNumber}`,
        }),
      );
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) consoleViolations.push(m.text());
    });
    page.on('response', (r) => {
      if (r.request().resourceType() === 'document') policies.add(r.headers()['content-security-policy'] ?? '');
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('case 17.7f: signs in and loads every page (full loads and in-app navigation, light and dark, a dialog) with no CSP violation', async () => {
    await page.goto(`${stack.url}/admin/ui/login`);
    await page.getByLabel('Admin password').fill(SECRETS.ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/ui\/dashboard/);
    await page.waitForLoadState('networkidle');
    expect(await violations()).toEqual([]);

    // Every page by a full load (the policy applies to each document) and by the navigation.
    for (const [name, path] of [
      ['Dashboard', 'dashboard'],
      ['Bindings', 'bindings'],
      ['Logs', 'logs'],
      ['Settings', 'settings'],
      ['Audit', 'audit'],
    ] as const) {
      await page.goto(`${stack.url}/admin/ui/${path}`);
      await page.waitForLoadState('networkidle');
      expect([path, await violations()]).toEqual([path, []]);
      await nav('Dashboard').click();
      await nav(name).click();
      await page.waitForURL(new RegExp(`/admin/ui/${path}`));
      await page.waitForLoadState('networkidle');
      expect([path, await violations()]).toEqual([path, []]);
    }

    // A binding's detail page and the rule dialog (an overlay: CDK sets inline styles).
    await nav('Bindings').click();
    const row = page.locator('tr[data-testid^="binding-row-"]').filter({ hasText: '127.0.0.2' });
    await row.getByRole('button', { name: /^Actions for / }).click();
    await page.getByRole('menuitem', { name: 'Edit rule' }).click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await row.getByRole('link').click();
    await page.waitForURL(/\/admin\/ui\/bindings\/.+/);
    await page.waitForLoadState('networkidle');
    await page.reload();
    await page.waitForLoadState('networkidle');

    // The other theme.
    const dark = page.getByRole('button', { name: 'Switch to dark theme' });
    if ((await dark.count()) > 0) await dark.click();
    await page.goto(`${stack.url}/admin/ui/dashboard`);
    await page.waitForLoadState('networkidle');

    expect(await violations()).toEqual([]);
    expect(consoleViolations).toEqual([]);
    // Every document came with the policy, strict for scripts and framing.
    expect(policies.size).toBe(1);
    const [policy] = [...policies];
    expect(policy).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(policy).toMatch(/frame-ancestors 'none'/);
  });

  it('case 17.7f (control): an inline script is refused and the collector reports it', async () => {
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.body.appendChild(s);
    });
    await page.waitForFunction(() => (window.__cspViolations ?? []).length > 0);
    expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();
    expect((await violations())[0]).toMatchObject({ directive: expect.stringMatching(/^script-src/) });
  });
});
