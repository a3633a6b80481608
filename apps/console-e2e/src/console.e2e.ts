import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

import { ConsoleStack, SECRETS, WORKSPACE, relay, tokenIdOf } from './support/stack';

const SCREENSHOTS = join(WORKSPACE, 'test-output/screenshots');
const KEY = `sk-console${'0'.repeat(38)}`; // 48 characters, like New API's keys

async function until<T>(probe: () => Promise<T | null | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the console against the built server', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await new ConsoleStack().start();
    browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('logs in, bans a binding created by a proxied request and finds the intercept in Logs', async () => {
    // A first proxied request binds the key to 127.0.0.2.
    expect(await relay(stack.url, KEY, '127.0.0.2')).toBe(200);
    // The token id is the HMAC of the key without its `sk-` prefix.
    const tokenId = tokenIdOf(KEY.slice(3));
    const apiLog: string[] = [];
    page.on('response', async (r) => {
      if (r.url().includes('/admin/api/bindings')) apiLog.push(`${r.status()} ${r.url()} ${(await r.text().catch(() => '')).slice(0, 300)}`);
    });
    page.on('console', (m) => apiLog.push(`console: ${m.text()}`));

    // Deep link while signed out: the guard sends us to the login page and back afterwards.
    await page.goto(`${stack.url}/admin/ui/bindings?token=${tokenId}`);
    await page.getByLabel('Admin password').waitFor();
    expect(page.url()).toContain('/admin/ui/login?returnUrl=');
    await page.getByLabel('Admin password').fill('wrong-password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    expect(await page.getByTestId('login-error').textContent()).toContain('Wrong password');

    await page.getByLabel('Admin password').fill(SECRETS.ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/admin\/ui\/bindings\?token=/);

    // The binding row, filtered by the token id from the URL.
    const row = page.locator('tr[data-testid^="binding-row-"]');
    await row.first().waitFor({ timeout: 10_000 }).catch(async (error: unknown) => {
      await page.screenshot({ path: join(SCREENSHOTS, 'failure.png'), fullPage: true });
      throw new Error(`${String(error)}\n${page.url()}\n${apiLog.join('\n')}`);
    });
    expect(await row.count()).toBe(1);
    expect(await row.first().textContent()).toContain('127.0.0.2');
    await page.screenshot({ path: join(SCREENSHOTS, 'bindings-light.png'), fullPage: true });

    // Ban it (confirm first).
    await row.first().locator('button[data-testid^="row-actions-"]').click();
    await page.getByTestId('action-ban').click();
    await page.getByTestId('confirm').click();
    await page.locator('mat-snack-bar-container').filter({ hasText: 'banned' }).waitFor();
    await until(async () => (await row.first().textContent())?.includes('Banned') ?? false, 'the banned status');

    // The next request is intercepted …
    expect(await relay(stack.url, KEY, '127.0.0.2')).toBe(403);

    // … and shows up in the logs.
    await page.getByTestId('nav-logs').click();
    await page.getByTestId('logs-table').waitFor();
    await until(async () => {
      const rows = page.locator('[data-testid="logs-table"] tr.mat-mdc-row');
      if ((await rows.count()) > 0) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(500);
      return false;
    }, 'the intercept in the logs');
    expect(await page.locator('[data-testid="logs-table"] tr.mat-mdc-row').first().textContent()).toContain('Banned');
    await page.screenshot({ path: join(SCREENSHOTS, 'logs-light.png'), fullPage: true });

    // The dashboard, light and dark.
    await page.getByTestId('nav-dashboard').click();
    await page.getByTestId('card-allowed').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-light.png'), fullPage: true });
    await page.getByTestId('theme-toggle').click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-dark.png'), fullPage: true });
    await page.getByTestId('nav-bindings').click();
    await page.locator('tr[data-testid^="binding-row-"]').first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'bindings-dark.png'), fullPage: true });

    // Phone width: the table scrolls instead of squeezing.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(SCREENSHOTS, 'bindings-phone-dark.png'), fullPage: true });
  });

  it('changes a live setting, switches language (remembered) and shows the audit trail', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByTestId('nav-settings').click();
    const input = page.getByTestId('input-alertThresholdCount');
    await input.waitFor();
    await input.fill('9');
    await page.getByTestId('settings-save').click();
    await page.locator('mat-snack-bar-container').filter({ hasText: 'saved' }).waitFor();
    await until(async () => (await page.getByTestId('source-alertThresholdCount').textContent())?.includes('Override') ?? false, 'the override source');
    // Applied on the server: its settings API reports the override.
    const token = await page.evaluate(() => Object.values(sessionStorage).find((v) => v.split('.').length === 3) ?? null);
    expect(token).not.toBeNull();
    const res = await fetch(`${stack.url}/admin/api/settings`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { settings: { key: string; value: unknown; source: string }[] };
    expect(body.settings.find((x) => x.key === 'alertThresholdCount')).toMatchObject({ value: 9, source: 'override' });
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-dark.png'), fullPage: true });

    // Simplified Chinese, remembered across a reload.
    await page.getByTestId('language-switch').click();
    await page.locator('button[lang="zh-CN"], button[lang="zh-cn"]').first().click();
    await until(async () => (await page.getByTestId('nav-dashboard').textContent())?.includes('仪表盘') ?? false, 'the Chinese navigation');
    await page.reload();
    await until(async () => (await page.getByTestId('nav-dashboard').textContent())?.includes('仪表盘') ?? false, 'the language after a reload');

    await page.getByTestId('nav-audit').click();
    await until(async () => (await page.locator('tr.mat-mdc-row').count()) > 0, 'audit rows');
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-dark-zh.png'), fullPage: true });
  });
});
