import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

import { VIEWPORT, launchChromium, parseCsv, refreshUntil, screenshot } from './support/browser';
import { describeWithServices } from '@sentinel/testing-support';
import { ConsoleStack, SECRETS, tokenIdOf } from './support/stack';

/*
 * The built console, served by the built Sentinel on real PostgreSQL and Redis, in front of a fake
 * New API, driven in Debian's chromium. The tests run in order on one signed-in page, like an
 * admin's session: each builds on what the previous one did.
 *
 * Controls are found by role and accessible name (getByRole / getByLabel), so the tests also prove
 * the console's controls are labelled. Waiting is playwright's auto-waiting: no sleeps, no timings.
 */

/** A New API style key: `sk-` + 48 characters; the mask shows `sk-<tag>…<last 4>`. */
function newKey(tag: string): string {
  return `sk-${tag}${randomBytes(24)
    .toString('hex')
    .slice(0, 48 - tag.length)}`;
}

const KEY = newKey('main');
const OTHER_KEYS = [newKey('labs'), newKey('ci00')];
const TOKEN_ID = tokenIdOf(KEY.slice(3)); // the HMAC of the key without its `sk-` prefix

/** Collected only with PostgreSQL, Redis and Chromium there: otherwise skipped (failed with REQUIRE_SERVICES=1). */
const describeInBrowser = (name: string, fn: () => void) =>
  describeWithServices(['postgres', 'redis', 'chromium'], name, fn);

describeInBrowser('the console, built and served by the built server on PostgreSQL and Redis', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Proxied requests the upstream answered so far (what "Allowed today" must count). */
  let allowed = 0;
  let mask = '';

  const nav = (name: string): Locator => page.getByRole('navigation').getByRole('link', { name, exact: true });
  const toast = (text: string | RegExp): Locator =>
    page.locator('.mat-mdc-snack-bar-container').filter({ hasText: text });
  const bindingRow = (ip: string): Locator => page.locator('tr[data-testid^="binding-row-"]').filter({ hasText: ip });
  const rowActions = (row: Locator): Locator => row.getByRole('button', { name: /^Actions for / });

  async function relay(key: string, from: string, expected: number): Promise<void> {
    expect(await stack.relay(key, from)).toBe(expected);
    if (expected === 200) allowed++;
  }

  async function useTheme(mode: 'light' | 'dark'): Promise<void> {
    if ((await page.locator(`html.theme-${mode}`).count()) > 0) return;
    await page.getByRole('button', { name: `Switch to ${mode} theme` }).click();
    await page.locator(`html.theme-${mode}`).waitFor({ state: 'attached' });
  }

  /** The current page in light and then dark; `open` (re)opens an overlay after each switch. */
  async function shootBoth(
    name: string,
    ready: Locator,
    open?: () => Promise<void>,
    close?: () => Promise<void>,
  ): Promise<void> {
    for (const mode of ['light', 'dark'] as const) {
      await useTheme(mode);
      if (open) await open();
      await ready.first().waitFor();
      await screenshot(page, `${name}-${mode}`);
      if (close) await close();
    }
    await useTheme('light');
  }

  beforeAll(async () => {
    stack = await new ConsoleStack().start();
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT, acceptDownloads: true });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    // Real traffic before anyone signs in: three keys bind to three client addresses, and one of
    // them is then used from a fourth address and intercepted.
    await relay(KEY, '127.0.0.2', 200);
    await relay(OTHER_KEYS[0], '127.0.0.6', 200);
    await relay(OTHER_KEYS[1], '127.0.0.7', 200);
    await relay(OTHER_KEYS[0], '127.0.0.8', 403);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows the wrong-password message, then signs in and returns to the deep link', async () => {
    // A deep link while signed out goes to the login page, and back there after signing in.
    await page.goto(`${stack.url}/admin/ui/bindings?token=${TOKEN_ID}`);
    const password = page.getByLabel('Admin password');
    await password.waitFor();
    expect(page.url()).toContain('/admin/ui/login?returnUrl=');
    await screenshot(page, 'login-light');
    // Before any choice is stored, the OS preference decides the theme.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await page.locator('html.theme-dark').waitFor({ state: 'attached' });
    await password.waitFor();
    await screenshot(page, 'login-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await page.locator('html.theme-light').waitFor({ state: 'attached' });

    await password.fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong password.' }).waitFor();

    await password.fill(SECRETS.ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/ui\/bindings\?token=/);
    // The token filter from the link: only the binding of KEY, from the address it was first used.
    await bindingRow('127.0.0.2').waitFor();
    await bindingRow('127.0.0.6').waitFor({ state: 'hidden' });
    expect(await page.locator('tr[data-testid^="binding-row-"]').count()).toBe(1);
  });

  it('counts a proxied request on the dashboard', async () => {
    await nav('Dashboard').click();
    const refresh = page.getByRole('button', { name: 'Refresh' });
    const card = (id: string, value: number) =>
      page.getByTestId(`card-${id}`).getByText(String(value), { exact: true });
    // Daily counters reach PostgreSQL in batches: refresh until the traffic so far shows.
    await refreshUntil(card('allowed', allowed), refresh, `${allowed} allowed today`);
    await card('intercepted', 1).waitFor();
    await card('new', 3).waitFor();
    await card('active', 3).waitFor();

    await relay(KEY, '127.0.0.2', 200);
    await refreshUntil(card('allowed', allowed), refresh, `${allowed} allowed today`);
    expect(stack.upstreamRequests).toBe(allowed);
    await shootBoth('dashboard', page.getByRole('img', { name: /Allowed and intercepted requests/ }));
  });

  it('finds the binding a proxied request created and opens its detail', async () => {
    await nav('Bindings').click();
    await bindingRow('127.0.0.6').waitFor();
    // The admin knows the start of the key: the mask prefix finds it.
    await page.getByRole('textbox', { name: 'Token' }).fill(KEY.slice(0, 7));
    await bindingRow('127.0.0.6').waitFor({ state: 'hidden' });
    const row = bindingRow('127.0.0.2');
    mask = (await row.getByRole('link').textContent())?.trim() ?? '';
    expect(mask).toBe(`${KEY.slice(0, 7)}…${KEY.slice(-4)}`);
    expect(await row.textContent()).toContain('Single');
    await page.getByRole('textbox', { name: 'Token' }).fill('');
    await bindingRow('127.0.0.6').waitFor();
    await shootBoth('bindings', bindingRow('127.0.0.7'));

    await bindingRow('127.0.0.2').getByRole('link', { name: mask }).click();
    await page.getByRole('heading', { name: mask }).waitFor();
    await page.getByText(TOKEN_ID, { exact: true }).waitFor();
    await page.getByText('No intercepts for this binding.').waitFor();
    await page.getByText('No admin changes to this binding.').waitFor();
    await page.getByRole('link', { name: 'Back to bindings' }).click();
    await bindingRow('127.0.0.2').waitFor();
  });

  it('edits the rule to multiple in the dialog, flagging an invalid entry as it is typed, and the second IP passes', async () => {
    const openDialog = async () => {
      await rowActions(bindingRow('127.0.0.2')).click();
      await page.getByRole('menuitem', { name: 'Edit rule' }).click();
      await page.getByRole('dialog', { name: `Rule of ${mask}` }).waitFor();
    };
    const dialog = page.getByRole('dialog', { name: `Rule of ${mask}` });
    await openDialog();
    await dialog.getByText('Single: one IP address').waitFor();
    await dialog.getByRole('radio', { name: 'Multiple' }).check();
    await dialog.getByText('Multiple: any of a list').waitFor();
    await dialog.getByRole('button', { name: 'Add entry' }).click();
    const second = dialog.getByRole('textbox', { name: 'IP or CIDR 2' });
    // Flagged while typing: the field still has focus.
    await second.pressSequentially('127.0.0.300');
    await dialog.getByText(/^\s*Invalid: /).waitFor();
    expect(await second.getAttribute('aria-invalid')).toBe('true');
    expect(await second.evaluate((el) => el === document.activeElement)).toBe(true);
    await second.fill('10.1.0.0/33');
    await dialog.getByText(/^\s*Invalid: /).waitFor();
    await second.fill('127.0.0.3');
    await dialog.getByText(/^\s*Invalid: /).waitFor({ state: 'hidden' });
    expect(await second.getAttribute('aria-invalid')).not.toBe('true');
    await screenshot(page, 'rule-dialog-light');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await toast(`Rule of ${mask} saved.`).waitFor();
    await dialog.waitFor({ state: 'hidden' });
    await bindingRow('127.0.0.3').filter({ hasText: 'Multiple' }).waitFor();

    // Enforced at once: the listed second address passes, an unlisted one is refused.
    await relay(KEY, '127.0.0.3', 200);
    await relay(KEY, '127.0.0.4', 403);

    // The dark screenshot of the dialog, with the saved rule.
    await useTheme('dark');
    await openDialog();
    await dialog.getByRole('textbox', { name: 'IP or CIDR 2' }).waitFor();
    await screenshot(page, 'rule-dialog-dark');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await useTheme('light');
  });

  it('bans the binding: the next proxied request gets 403 and is listed in Logs, and the CSV export has it', async () => {
    await rowActions(bindingRow('127.0.0.2')).click();
    await page.getByRole('menuitem', { name: 'Ban' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Ban this token?' });
    await confirm.getByRole('button', { name: 'Ban' }).click();
    await toast(`${mask} banned.`).waitFor();
    await bindingRow('127.0.0.2').filter({ hasText: 'Banned' }).waitFor();

    await relay(KEY, '127.0.0.2', 403);

    await nav('Logs').click();
    const table = page.getByTestId('logs-table');
    const bannedRow = table.getByRole('row').filter({ hasText: 'Banned' }).filter({ hasText: '127.0.0.2' });
    // Intercept rows are written in batches: refresh until it is there.
    await refreshUntil(bannedRow, page.getByRole('button', { name: 'Refresh' }), 'the banned intercept in Logs');
    expect(await bannedRow.first().textContent()).toContain(mask);
    await table.getByRole('row').filter({ hasText: 'IP not allowed' }).first().waitFor();

    // Export the filtered set: only the banned intercept.
    await page.getByRole('combobox', { name: 'Reason' }).click();
    await page.getByRole('option', { name: 'Banned' }).click();
    await table.getByRole('row').filter({ hasText: 'IP not allowed' }).first().waitFor({ state: 'hidden' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    await toast(/Saved .+\.csv\./).waitFor();
    const file = readFileSync(await download.path(), 'utf8');
    expect(file.startsWith('\uFEFF')).toBe(true); // the UTF-8 BOM spreadsheets need
    const csv = file.slice(1);
    const [header, ...rows] = parseCsv(csv);
    expect(header.slice(0, 5)).toEqual(['time', 'token_mask', 'token_id', 'client_ip', 'reason']);
    expect(rows).toHaveLength(1);
    const cell = (column: string) => rows[0][header.indexOf(column)];
    expect(cell('token_mask')).toBe(mask);
    expect(cell('token_id')).toBe(TOKEN_ID);
    expect(cell('client_ip')).toBe('127.0.0.2');
    expect(cell('reason')).toBe('banned');
    expect(cell('binding_status')).toBe('banned');
    expect(cell('rule_kind')).toBe('multiple');
    // The raw key is nowhere in the file.
    expect(csv).not.toContain(KEY.slice(3));

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await table.getByRole('row').filter({ hasText: 'IP not allowed' }).first().waitFor();
    await shootBoth('logs', bannedRow);
  });

  it('unbans (traffic passes again), shows the history in the detail, and unbinds (the next request binds anew)', async () => {
    await nav('Bindings').click();
    await rowActions(bindingRow('127.0.0.2')).click();
    await page.getByRole('menuitem', { name: 'Unban' }).click();
    // Unban confirms first, like ban and unbind.
    await page.getByRole('alertdialog', { name: 'Unban this token?' }).getByRole('button', { name: 'Unban' }).click();
    await toast(`${mask} unbanned.`).waitFor();
    await bindingRow('127.0.0.2').filter({ hasText: 'Active' }).waitFor();
    await relay(KEY, '127.0.0.3', 200);

    // The detail now lists the binding's intercepts and its audit history.
    await bindingRow('127.0.0.2').getByRole('link', { name: mask }).click();
    const intercepts = page.getByTestId('detail-intercepts');
    await intercepts.getByRole('row').filter({ hasText: '127.0.0.4' }).waitFor();
    await intercepts.getByRole('row').filter({ hasText: 'Banned' }).waitFor();
    const history = page.getByTestId('detail-audit');
    for (const action of ['Rule changed', 'Ban', 'Unban']) {
      await history.getByRole('cell', { name: action, exact: true }).waitFor();
    }
    await shootBoth('binding-detail', history);
    await page.getByRole('link', { name: 'Back to bindings' }).click();

    await rowActions(bindingRow('127.0.0.2')).click();
    await page.getByRole('menuitem', { name: 'Unbind' }).click();
    await page.getByRole('alertdialog', { name: 'Unbind this token?' }).getByRole('button', { name: 'Unbind' }).click();
    await toast(`${mask} unbound.`).waitFor();
    await bindingRow('127.0.0.2').waitFor({ state: 'detached' });
    // Its next request binds it again, to the address it now comes from.
    await relay(KEY, '127.0.0.5', 200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await bindingRow('127.0.0.5').filter({ hasText: mask }).waitFor();
  });

  it('switches to Simplified Chinese and the dark theme, both remembered after a reload', async () => {
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.locator('html.theme-dark').waitFor({ state: 'attached' });
    await page.getByRole('button', { name: /^Language: / }).click();
    await page.getByRole('menuitemradio', { name: '简体中文' }).click();
    await nav('仪表盘').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');

    await page.reload();
    await nav('仪表盘').click();
    await page.getByRole('heading', { name: '仪表盘' }).waitFor();
    await page.locator('html.theme-dark').waitFor({ state: 'attached' });
    await page.getByTestId('card-allowed').waitFor();
    await screenshot(page, 'dashboard-dark-zh-cn');

    // Back to English for the rest.
    await page.getByRole('button', { name: /^语言/ }).click();
    await page.getByRole('menuitemradio', { name: 'English' }).click();
    await nav('Dashboard').waitFor();

    // A phone: the navigation becomes a drawer and the table scrolls instead of squeezing.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByRole('button', { name: 'Toggle navigation' }).click();
    await nav('Bindings').click();
    await nav('Bindings').waitFor({ state: 'hidden' });
    await bindingRow('127.0.0.5').waitFor();
    await screenshot(page, 'bindings-phone-dark');
    await page.setViewportSize(VIEWPORT);
    await useTheme('light');
  });

  it('shows the audit trail of what the admin did', async () => {
    await nav('Audit').click();
    const table = page.getByTestId('audit-table');
    for (const action of ['Signed in', 'Failed sign-in', 'Rule changed', 'Ban', 'Unban', 'Unbind']) {
      await table
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: action, exact: true }) })
        .first()
        .waitFor();
    }
    await shootBoth('audit', table.getByRole('row').nth(1));
  });

  it('changes a live setting and sees it applied: a lower lockout threshold locks the next sign-ins, with when to retry', async () => {
    await nav('Settings').click();
    const threshold = page.getByRole('spinbutton', { name: 'Login failures before lock' });
    await threshold.fill('0');
    // Validated as typed: out of range.
    await page
      .getByText(/^\s*Between \d+ and \d+\.\s*$/)
      .first()
      .waitFor();
    await threshold.fill('2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await toast('1 setting(s) saved.').waitFor();
    await page.getByTestId('source-loginMaxFailures').filter({ hasText: 'Override' }).waitFor();
    await page.getByRole('heading', { name: 'Settings' }).scrollIntoViewIfNeeded();
    await shootBoth('settings', page.getByRole('heading', { name: 'Settings' }));

    // Applied: a second browser (another admin, dark OS theme) is locked after two failures
    // instead of the default five. This session stays signed in.
    const other = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT, colorScheme: 'dark' });
    try {
      const login = await other.newPage();
      await login.goto(`${stack.url}/admin/ui/login`);
      const password = login.getByLabel('Admin password');
      const submit = login.getByRole('button', { name: 'Sign in' });
      await password.fill('wrong-1');
      await submit.click();
      await login.getByRole('alert').filter({ hasText: 'Wrong password.' }).waitFor();
      // The emptied field is not flagged as missing after a failed attempt.
      expect(await login.getByText('Enter the admin password.').count()).toBe(0);
      await password.fill('wrong-2');
      await submit.click();
      const locked = login.getByRole('alert').filter({ hasText: 'the account is locked' });
      await locked.waitFor();
      // When to retry: a clock time and the minutes left (the lock lasts 900 s by default).
      expect(await locked.textContent()).toMatch(/Try again at .+ \(in about 15 min\)/);
      // Even the right password is refused while locked.
      await password.fill(SECRETS.ADMIN_PASSWORD);
      await submit.click();
      await login
        .getByRole('alert')
        .filter({ hasText: /^\s*Too many failed attempts: the account is locked\. Try again at / })
        .waitFor();
      expect(login.url()).toContain('/admin/ui/login');
      await screenshot(login, 'login-locked-dark');
    } finally {
      await other.close();
    }
  });
});
