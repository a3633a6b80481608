import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

import { VIEWPORT, launchChromium, screenshot } from './support/browser';
import { describeWithServices } from '@sentinel/testing-support';
import { ConsoleStack, SECRETS, WORKSPACE } from './support/stack';

/*
 * The operator-experience fixes of issue 19, on a fresh install: the onboarding card, filters in
 * the URL, the rule dialog's paste and validity, the unban confirmation, axe on every page and the
 * phone width of the tables. One signed-in page; the tests run in order and build on each other.
 */

const KEY = `sk-uxux${randomBytes(24).toString('hex').slice(0, 44)}`;
const AXE = join(WORKSPACE, 'node_modules/axe-core/axe.min.js');

interface AxeResult {
  violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
}

describeWithServices(['postgres', 'redis', 'chromium'], 'the console for a new user and a demanding admin', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const ui = (path: string) => `${stack.url}/admin/ui/${path}`;
  const toast = (text: string | RegExp): Locator =>
    page.locator('.mat-mdc-snack-bar-container').filter({ hasText: text });
  const bindingRow = (ip: string): Locator => page.locator('tr[data-testid^="binding-row-"]').filter({ hasText: ip });
  const rowActions = (row: Locator): Locator => row.getByRole('button', { name: /^Actions for / });

  /** axe-core on the current page: the serious and critical violations, printed with their count. */
  async function axe(name: string): Promise<string[]> {
    // Colours are judged once opening transitions (dialogs fade in) have finished.
    await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    if ((await page.evaluate(() => typeof (window as { axe?: unknown }).axe)) === 'undefined') {
      await page.addScriptTag({ path: AXE });
    }
    const result = await page.evaluate(async () => {
      const w = window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<AxeResult> } };
      return w.axe.run(document, { resultTypes: ['violations'] });
    });
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    process.stdout.write(`axe ${name}: ${bad.length} serious/critical violations\n`);
    return bad;
  }

  async function useTheme(mode: 'light' | 'dark'): Promise<void> {
    if ((await page.locator(`html.theme-${mode}`).count()) > 0) return;
    await page.getByRole('button', { name: `Switch to ${mode} theme` }).click();
    await page.locator(`html.theme-${mode}`).waitFor({ state: 'attached' });
  }

  beforeAll(async () => {
    stack = await new ConsoleStack().start();
    browser = await launchChromium();
    // axe is injected as a script tag, which the console's CSP (script-src 'self') refuses; the CSP
    // itself is csp.e2e.ts's subject, so this suite's context bypasses it.
    context = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT, bypassCSP: true });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('an empty install shows the onboarding card: where SDKs point, a curl line and the docs', async () => {
    await page.goto(ui(''));
    await page.getByLabel('Admin password').fill(SECRETS.ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const card = page.getByTestId('onboarding');
    await card.waitFor();
    expect(await card.getByTestId('onboarding-sdk').textContent()).toBe(`${stack.url}/v1`);
    expect(await card.getByTestId('onboarding-curl').textContent()).toBe(
      `curl ${stack.url}/v1/models -H "Authorization: Bearer sk-…"`,
    );
    expect(await card.getByTestId('onboarding-docs').textContent()).toContain('README.md');
  });

  it('a filter works from a pasted URL and survives a reload; the back button restores the previous one', async () => {
    // Real traffic: KEY binds to 127.0.0.2 and is then refused from 127.0.0.5.
    expect(await stack.relay(KEY, '127.0.0.2')).toBe(200);
    expect(await stack.relay(KEY, '127.0.0.5')).toBe(403);
    expect(await stack.relay(`sk-uxvv${randomBytes(24).toString('hex').slice(0, 44)}`, '127.0.0.9')).toBe(200);

    await page.goto(ui('bindings?ip=127.0.0.2'));
    await bindingRow('127.0.0.2').waitFor();
    await bindingRow('127.0.0.9').waitFor({ state: 'hidden' });
    expect(await page.getByTestId('filter-ip').inputValue()).toBe('127.0.0.2');

    // Typed filters go into the URL; a reload keeps them.
    await page.getByTestId('filter-ip').fill('127.0.0.9');
    await page.waitForURL(/[?&]ip=127\.0\.0\.9/);
    await bindingRow('127.0.0.9').waitFor();
    await page.reload();
    await bindingRow('127.0.0.9').waitFor();
    await bindingRow('127.0.0.2').waitFor({ state: 'hidden' });
    expect(await page.getByTestId('filter-ip').inputValue()).toBe('127.0.0.9');
    await page.goBack();
    await page.waitForURL(/[?&]ip=127\.0\.0\.2/);
    await bindingRow('127.0.0.2').waitFor();
    expect(await page.getByTestId('filter-ip').inputValue()).toBe('127.0.0.2');

    // A whole key typed into the token filter never reaches the URL.
    await page.getByTestId('filter-token').fill(KEY);
    await page.getByTestId('filter-ip').fill('');
    await page.waitForURL((u) => !u.search.includes('ip='));
    expect(page.url()).not.toContain(KEY.slice(3));
    await page.getByTestId('filter-token').fill('');

    // Logs and audit keep theirs the same way.
    await page.goto(ui('logs?clientIp=127.0.0.5'));
    const logRow = page.locator('table').getByRole('row').filter({ hasText: '127.0.0.5' });
    await logRow.first().waitFor();
    await page.reload();
    await logRow.first().waitFor();
    expect(await page.getByLabel('Client IP').inputValue()).toBe('127.0.0.5');
    await page.goto(ui('audit?action=auth.login'));
    await page.getByRole('cell', { name: 'Signed in', exact: true }).first().waitFor();
    await page.reload();
    await page.getByRole('cell', { name: 'Signed in', exact: true }).first().waitFor();
    expect(page.url()).toContain('action=auth.login');
  });

  it('each time preset filters the logs and lives in the URL; a reload recomputes it from now', async () => {
    await page.goto(ui('logs'));
    const logRow = page.locator('table').getByRole('row').filter({ hasText: '127.0.0.5' });
    await logRow.first().waitFor();
    const from = page.getByLabel('From');
    for (const [label, value] of [
      ['Last hour', '1h'],
      ['Last 24 h', '24h'],
      ['Last 7 days', '7d'],
      ['Last 30 days', '30d'],
    ] as const) {
      await page.getByTestId('logs-range').click();
      await page.getByRole('option', { name: label, exact: true }).click();
      await page.waitForURL(new RegExp(`[?&]range=${value}(&|$)`));
      expect(await from.inputValue()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
      await logRow.first().waitFor(); // the intercept of a moment ago is inside every preset
    }
    await page.reload();
    await logRow.first().waitFor();
    expect(page.url()).toContain('range=30d');
    expect(await from.inputValue()).toMatch(/^\d{4}-/);

    // Custom: From by hand; a From in the future leaves nothing.
    await from.fill('2099-01-01T00:00');
    await page.waitForURL(/[?&]range=custom(&|$)/);
    await page.getByTestId('logs-empty').waitFor();
    await page.getByTestId('logs-range').click();
    await page.getByRole('option', { name: 'Any time', exact: true }).click();
    await logRow.first().waitFor();
    expect(await from.inputValue()).toBe('');
  });

  it('rule dialog: a pasted comma list becomes one entry per address; Save is disabled while an entry is invalid', async () => {
    await page.goto(ui('bindings?ip=127.0.0.2'));
    await rowActions(bindingRow('127.0.0.2')).click();
    await page.getByRole('menuitem', { name: 'Edit rule' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('rule-kind-multiple').click();
    const save = dialog.getByTestId('rule-save');
    const first = dialog.getByTestId('rule-entry-0');
    await first.focus();
    await first.evaluate((el) => {
      const data = new DataTransfer();
      data.setData('text/plain', '127.0.0.2, 127.0.0.3 10.0.0.0/8');
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    });
    expect(await dialog.getByTestId('rule-entry-0').inputValue()).toBe('127.0.0.2');
    expect(await dialog.getByTestId('rule-entry-1').inputValue()).toBe('127.0.0.3');
    expect(await dialog.getByTestId('rule-entry-2').inputValue()).toBe('10.0.0.0/8');
    expect(await save.isEnabled()).toBe(true);

    await dialog.getByTestId('rule-entry-1').fill('127.0.0.300');
    await dialog.getByText(/^\s*Invalid: /).waitFor();
    expect(await save.isDisabled()).toBe(true);
    expect(await axe('rule dialog')).toEqual([]);
    await dialog.getByTestId('rule-entry-1').fill('127.0.0.3');
    expect(await save.isEnabled()).toBe(true);
    await save.click();
    await toast(/Rule of .+ saved\./).waitFor();
    expect(await stack.relay(KEY, '127.0.0.3')).toBe(200);

    // The audit shows the change as a readable diff, field: old → new.
    await page.goto(ui('audit?action=binding.set_rule'));
    const diff = page.getByTestId('audit-diff').first();
    await diff.waitFor();
    const text = (await diff.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('Rule kind: single → multiple');
    expect(text).toMatch(/Rule: 127\.0\.0\.2(\/32)? → 127\.0\.0\.2(\/32)?, 127\.0\.0\.3(\/32)?, 10\.0\.0\.0\/8/);
    expect(text).not.toContain('{');
  });

  it('unban asks for confirmation first; cancelling keeps the ban', async () => {
    await page.goto(ui('bindings?ip=127.0.0.2'));
    await rowActions(bindingRow('127.0.0.2')).click();
    await page.getByRole('menuitem', { name: 'Ban' }).click();
    await page.getByRole('alertdialog', { name: 'Ban this token?' }).getByRole('button', { name: 'Ban' }).click();
    await bindingRow('127.0.0.2').filter({ hasText: 'Banned' }).waitFor();

    await rowActions(bindingRow('127.0.0.2')).click();
    await page.getByRole('menuitem', { name: 'Unban' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Unban this token?' });
    await confirm.waitFor();
    expect(await axe('unban confirmation')).toEqual([]);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await stack.relay(KEY, '127.0.0.2')).toBe(403); // still banned

    await rowActions(bindingRow('127.0.0.2')).click();
    await page.getByRole('menuitem', { name: 'Unban' }).click();
    await confirm.getByRole('button', { name: 'Unban' }).click();
    await bindingRow('127.0.0.2').filter({ hasText: 'Active' }).waitFor();
    expect(await stack.relay(KEY, '127.0.0.2')).toBe(200);
  });

  it('settings list the alert deliveries: time, alert, token, status, attempts and the last error', async () => {
    await page.goto(ui('settings'));
    await page.getByTestId('deliveries-empty').waitFor();
    await stack.query(
      `INSERT INTO alert_deliveries (token_hash, token_mask, status, attempts, last_error, payload)
       VALUES (repeat('e', 64), 'sk-uxux…dead', 'failed', 3, 'HTTP 500 from the webhook', '{"event":"probable_sharing"}')`,
    );
    await page.reload();
    const row = page.getByTestId('alert-deliveries').getByRole('row').filter({ hasText: 'sk-uxux…dead' });
    await row.waitFor();
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    expect(text).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Probable sharing sk-uxux…dead Failed 3 HTTP 500 from the webhook$/,
    );
  });

  it('axe finds no serious or critical violation on any page, light and dark', async () => {
    const pages: [string, string][] = [
      ['dashboard', ''],
      ['bindings', 'bindings'],
      ['logs', 'logs'],
      ['audit', 'audit'],
      ['settings', 'settings'],
    ];
    const found: string[] = [];
    for (const mode of ['light', 'dark'] as const) {
      for (const [name, path] of pages) {
        await page.goto(ui(path));
        await page.locator('h1').first().waitFor();
        await page.locator('mat-progress-bar').waitFor({ state: 'hidden' });
        await useTheme(mode);
        found.push(...(await axe(`${name} (${mode})`)).map((v) => `${name} ${mode}: ${v}`));
      }
    }
    await useTheme('light');
    expect(found).toEqual([]);
  });

  it('on a 390 px phone, bindings, logs and audit fit the screen: no horizontal scroll', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const widths: Record<string, number> = {};
    for (const [name, path, row] of [
      ['bindings', 'bindings', 'tr[data-testid^="binding-row-"]'],
      ['logs', 'logs', 'table tr.mat-mdc-row'],
      ['audit', 'audit', 'table tr.mat-mdc-row'],
    ] as const) {
      await page.goto(ui(path));
      await page.locator(row).first().waitFor();
      widths[name] = await page.evaluate(() => document.documentElement.scrollWidth);
      await screenshot(page, `${name}-phone-light`);
      process.stdout.write(`phone ${name}: document scrollWidth ${widths[name]} px at 390 px\n`);
    }
    await page.setViewportSize(VIEWPORT);
    expect(widths).toEqual({ bindings: 390, logs: 390, audit: 390 });
  });
});
