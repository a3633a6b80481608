import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

import { VIEWPORT, launchChromium, screenshot } from './support/browser';
import { describeWithServices } from '@sentinel/testing-support';
import { ConsoleStack, SECRETS, WORKSPACE, tokenIdOf } from './support/stack';

/*
 * Adaptive bindings in the console (issue 15): the empty state, Add bindings (pre-bind pasted keys),
 * Find by key, labels, the learning state, its cap and the learnt addresses, the dashboard's
 * "keys seen from many addresses" panel, and a bulk ban of all bindings matching a
 * filter. Raw keys go into request bodies only: no URL the browser requested and none of its
 * storage ever holds one. The tests run in order on one signed-in page and build on each other.
 */

const key = (tag: string) =>
  `sk-${tag}${randomBytes(24)
    .toString('hex')
    .slice(0, 48 - tag.length)}`;
const PRE = [key('pre1'), key('pre2'), key('pre3')];
const USED = key('used');
const SHARED = key('shared');
const BULK = Array.from({ length: 60 }, (_, i) => key(`bk${i}`));
const ALL_KEYS = [...PRE, USED, SHARED, ...BULK];
/** A key's token id: the HMAC of the key without its `sk-` prefix. */
const idOf = (k: string) => tokenIdOf(k.slice(3));
const AXE = join(WORKSPACE, 'node_modules/axe-core/axe.min.js');

describeWithServices(['postgres', 'redis', 'chromium'], 'adaptive bindings in the console', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every URL the page requested (navigations and API calls). */
  const urls: string[] = [];

  const ui = (path: string) => `${stack.url}/admin/ui/${path}`;
  const toast = (text: string | RegExp): Locator =>
    page.locator('.mat-mdc-snack-bar-container').filter({ hasText: text });
  const rows = (): Locator => page.locator('tr[data-testid^="binding-row-"]');
  const rowActions = (row: Locator): Locator => row.getByRole('button', { name: /^Actions for / });

  async function axe(name: string): Promise<string[]> {
    await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    if ((await page.evaluate(() => typeof (window as { axe?: unknown }).axe)) === 'undefined') {
      await page.addScriptTag({ path: AXE });
    }
    const result = await page.evaluate(async () => {
      const w = window as unknown as {
        axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: { id: string; impact: string }[] }> };
      };
      return w.axe.run(document, { resultTypes: ['violations'] });
    });
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}`);
    process.stdout.write(`axe ${name}: ${bad.length} serious/critical violations\n`);
    return bad;
  }

  /** localStorage, sessionStorage, cookies and the history entries, as one string. */
  async function browserStorage(): Promise<string> {
    const inPage = await page.evaluate(() =>
      JSON.stringify({
        local: Object.entries(localStorage),
        session: Object.entries(sessionStorage),
        url: location.href,
        cookie: document.cookie,
      }),
    );
    return inPage + JSON.stringify(await context.cookies()) + JSON.stringify(await context.storageState());
  }

  function expectNoRawKey(text: string): void {
    for (const k of ALL_KEYS) expect(text).not.toContain(k.slice(3));
  }

  beforeAll(async () => {
    stack = await new ConsoleStack().start();
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT, bypassCSP: true });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    page.on('request', (r) => urls.push(r.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a fresh install explains what a binding is instead of "no bindings match"', async () => {
    await page.goto(ui('bindings'));
    await page.getByLabel('Admin password').fill(SECRETS.ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const empty = page.getByTestId('bindings-empty-fresh');
    await empty.waitFor();
    expect(await empty.innerText()).toContain('A binding ties an API key to the address of its first request');
    expect(await page.getByText('No bindings match these filters.').count()).toBe(0);
  });

  it('Add bindings pre-binds pasted keys with a rule and a label; a duplicate line is reported', async () => {
    await page.getByTestId('bindings-add').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('prebind-keys').fill([...PRE, PRE[0]].join('\n'));
    await dialog.getByText('4 of at most 1000 keys').waitFor();
    await dialog.getByTestId('rule-entry-0').fill('127.0.0.20');
    await dialog.getByTestId('prebind-label').fill('team-pre');
    expect(await axe('add bindings dialog')).toEqual([]);
    await screenshot(page, 'add-bindings-light');
    // Save is enabled once keys and a valid entry are there; if not, say what the dialog holds.
    await page
      .waitForFunction(() => !document.querySelector('[data-testid="rule-save"]')?.hasAttribute('disabled'))
      .catch(async (e: unknown) => {
        const fields = await dialog.evaluate((d) =>
          Array.from(d.querySelectorAll('input,textarea'))
            .map((el) => `${el.getAttribute('data-testid')}: ${(el as HTMLInputElement).value.length} chars`)
            .join(', '),
        );
        throw new Error(`Save stayed disabled (${fields}): ${String(e)}`);
      });
    await dialog.getByTestId('rule-save').click();
    const result = dialog.getByTestId('prebind-result');
    await result.waitFor();
    const text = (await result.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('3 created, 0 already bound, 0 overwritten, 1 invalid.');
    expect(text).toContain('Line 4: the same key as keys[0]');
    await dialog.getByTestId('prebind-done').click();
    await toast('3 created').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('tr[data-testid^="binding-row-"]').length === 3);
    expect(await rows().first().innerText()).toContain('team-pre');

    // A pre-bound key passes from its address, and is refused elsewhere (no first-use bind).
    expect(await stack.relay(PRE[0], '127.0.0.20')).toBe(200);
    expect(await stack.relay(PRE[1], '127.0.0.21')).toBe(403);
    expectNoRawKey(urls.join('\n'));
    expectNoRawKey(await browserStorage());
  });

  it('Find by key: a whole pasted key finds its binding by POST, never through a URL or storage', async () => {
    const lookups: string[] = [];
    const onRequest = (r: { url(): string; method(): string; postData(): string | null }) => {
      if (r.url().endsWith('/admin/api/bindings/lookup')) lookups.push(`${r.method()} ${r.postData() ?? ''}`);
    };
    page.on('request', onRequest);
    await page.getByTestId('filter-token').fill(PRE[1]);
    await page.getByTestId('lookup-note').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('tr[data-testid^="binding-row-"]').length === 1);
    page.off('request', onRequest);
    expect(lookups.at(-1)).toBe(`POST ${JSON.stringify({ key: PRE[1] })}`);
    expect(await rows().first().innerText()).toContain('team-pre');
    // A key that is not bound finds nothing.
    await page.getByTestId('filter-token').fill(key('none'));
    await page.getByTestId('bindings-empty').waitFor();
    await page.getByTestId('filter-token').fill('');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-testid^="binding-row-"]').length === 3);
    expectNoRawKey(urls.join('\n'));
    expectNoRawKey(await browserStorage());
  });

  it('a label and note are edited, shown and searched by the label filter', async () => {
    await page.getByTestId('filter-token').fill(PRE[2]);
    await page.getByTestId('lookup-note').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('tr[data-testid^="binding-row-"]').length === 1);
    await rowActions(rows().first()).click();
    await page.getByRole('menuitem', { name: 'Edit label' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('field-label').fill('owner-carol');
    await dialog.getByTestId('field-note').fill('handed out on 1 Dec');
    await dialog.getByTestId('fields-save').click();
    await toast(/Label of .+ saved\./).waitFor();
    await page.getByTestId('filter-token').fill('');
    await page.getByTestId('filter-label').fill('carol');
    await page.waitForURL(/[?&]label=carol/);
    await page.waitForFunction(() => document.querySelectorAll('tr[data-testid^="binding-row-"]').length === 1);
    expect(await rows().first().innerText()).toContain('owner-carol');
    await page.getByTestId('filter-label').fill('');
  });

  it('the learning state follows the cap: one address, then learning N of M after the cap is raised', async () => {
    expect(await stack.relay(USED, '127.0.0.30')).toBe(200);
    await page.getByTestId('filter-ip').fill('127.0.0.30');
    const row = rows().filter({ hasText: '127.0.0.30' });
    await row.waitFor();
    expect(await row.innerText()).toContain('One address');
    await rowActions(row).click();
    await page.getByRole('menuitem', { name: 'Set address cap' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('field-max-addresses').fill('3');
    await dialog.getByTestId('fields-save').click();
    await toast(/Address cap of .+ saved\./).waitFor();
    await row.filter({ hasText: 'Learning · 1 of 3' }).waitFor();

    // A new address is learnt, up to the cap; past it: address_limit, shown as such in the logs.
    expect(await stack.relay(USED, '127.0.0.31')).toBe(200);
    expect(await stack.relay(USED, '127.0.0.32')).toBe(200);
    expect(await stack.relay(USED, '127.0.0.33')).toBe(403);
    await page.getByTestId('bindings-refresh').click();
    await row.filter({ hasText: '3 of 3 · full' }).waitFor();
    await row.getByRole('link').click();
    await page.getByTestId('detail-learning').filter({ hasText: '3 of 3 · full' }).waitFor();
    // Intercept rows are written by the bookkeeping flush: reload until this one is there.
    const intercepts = page.getByTestId('detail-intercepts');
    for (let i = 0; i < 30 && (await intercepts.getByText('Address limit reached').count()) === 0; i++) {
      await page.waitForTimeout(500);
      await page.reload();
      await page.getByTestId('detail-learning').waitFor();
    }
    await intercepts.getByText('Address limit reached').waitFor();
    expect(await intercepts.innerText()).toContain('127.0.0.33');
    // The detail lists the learnt addresses, the first use's marked; the refused one is not there.
    const learnt = page.getByTestId('detail-learnt');
    expect((await learnt.locator('li').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      '127.0.0.30 · first use',
      '127.0.0.31',
      '127.0.0.32',
    ]);
    expect(await axe('binding detail, learnt addresses')).toEqual([]);
    await page.goto(ui('logs?reason=address_limit'));
    await page.locator('table').getByRole('row').filter({ hasText: '127.0.0.33' }).waitFor();
    // The client filter takes a CIDR range (it was a 400): inside it the row is listed, outside not.
    await page.goto(ui('logs?clientIp=127.0.0.32/31'));
    await page.locator('table').getByRole('row').filter({ hasText: '127.0.0.33' }).waitFor();
    await page.getByTestId('logs-filter-ip').fill('127.0.1.0/24');
    await page.getByTestId('logs-empty').waitFor();
  });

  it('a key refused from 3 distinct addresses is listed under "Keys seen from many addresses"', async () => {
    // First use binds it to .50; three other addresses are refused (ip_not_allowed).
    expect(await stack.relay(SHARED, '127.0.0.50')).toBe(200);
    for (const from of ['127.0.0.51', '127.0.0.52', '127.0.0.53']) expect(await stack.relay(SHARED, from)).toBe(403);
    await page.goto(ui(''));
    const panel = page.getByTestId('shared-keys-panel');
    await panel.waitFor();
    expect(await panel.innerText()).toContain('Refused from 3 or more addresses within 1 h');
    // Intercept rows are written by the bookkeeping flush: refresh until the key is listed.
    const item = panel.locator(`li[data-token-id="${idOf(SHARED)}"]`);
    for (let i = 0; i < 30 && (await item.count()) === 0; i++) {
      await page.waitForTimeout(500);
      await page.getByTestId('dashboard-refresh').click();
    }
    await item.waitFor();
    expect(await item.innerText()).toContain('3 addresses');
    // USED was refused from one address only (127.0.0.33): not listed.
    expect(await panel.locator(`li[data-token-id="${idOf(USED)}"]`).count()).toBe(0);
    expect(await axe('dashboard, sharing panel')).toEqual([]);
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'dashboard-sharing-light');
    // On a 390 px phone the dashboard with the panel filled fits the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const phoneWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    process.stdout.write(`phone dashboard with the sharing panel: document scrollWidth ${phoneWidth} px at 390 px\n`);
    await page.setViewportSize(VIEWPORT);
    expect(phoneWidth).toBe(390);
    await item.getByRole('link').click();
    await page.waitForURL(new RegExp(`/bindings/${idOf(SHARED)}$`));
    await page.getByTestId('detail-learning').waitFor();
    expect(await page.locator('.detail-grid').innerText()).toContain(idOf(SHARED));
    const intercepts = page.getByTestId('detail-intercepts');
    for (const from of ['127.0.0.51', '127.0.0.52', '127.0.0.53']) expect(await intercepts.innerText()).toContain(from);
  });

  it('bulk: select all bindings matching a filter, ban them with the count confirmed, on every request', async () => {
    await page.goto(ui('bindings'));
    await page.getByTestId('bindings-add').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('prebind-keys').fill(BULK.join('\n'));
    await dialog.getByText('60 of at most 1000 keys').waitFor();
    await dialog.getByTestId('rule-entry-0').fill('127.0.0.40');
    await dialog.getByTestId('prebind-label').fill('bulk-team');
    await dialog.getByTestId('rule-save').click();
    await toast('60 created').waitFor();
    expect(await stack.relay(BULK[59], '127.0.0.40')).toBe(200);

    await page.getByTestId('filter-label').fill('bulk-team');
    await page.waitForURL(/[?&]label=bulk-team/);
    await page.waitForFunction(() => document.querySelectorAll('tr[data-testid^="binding-row-"]').length === 50);
    await page.getByTestId('select-page').locator('input').check();
    await page.getByTestId('bulk-count').filter({ hasText: '50 selected' }).waitFor();
    await page.getByTestId('bulk-select-all').click();
    await page.getByTestId('bulk-count').filter({ hasText: 'All 60 bindings matching this filter' }).waitFor();
    expect(await axe('bindings bulk bar')).toEqual([]);
    await screenshot(page, 'bindings-bulk-light');
    await page.getByTestId('bulk-ban').click();
    const confirm = page.getByRole('alertdialog', { name: 'Ban: 60 bindings?' });
    await confirm.getByRole('button', { name: 'Ban' }).click();
    await toast('60 done, 0 not found, 0 failed.').waitFor();
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('tr[data-testid^="binding-row-"]')).filter((r) =>
          r.textContent?.includes('Banned'),
        ).length === 50,
    );
    // Enforced when the call returned: a banned key is refused from its own address.
    expect(await stack.relay(BULK[59], '127.0.0.40')).toBe(403);
    const [{ n }] = (await stack.query(
      `SELECT count(*)::int AS n FROM token_bindings WHERE label = 'bulk-team' AND status = 'banned'`,
    )) as { n: number }[];
    expect(n).toBe(60);
    const [{ a }] = (await stack.query(`SELECT count(*)::int AS a FROM admin_audit WHERE action = 'binding.ban'`)) as {
      a: number;
    }[];
    expect(a).toBe(60);
  });

  it('the column chooser hides a column of the wide table, and the choice survives a reload', async () => {
    await page.goto(ui('bindings'));
    await rows().first().waitFor();
    const created = page.getByRole('columnheader', { name: 'Created' });
    await created.waitFor();
    await page.getByTestId('bindings-columns').click();
    await page.getByRole('menuitemcheckbox', { name: 'Created' }).click();
    await created.waitFor({ state: 'detached' });
    expect(await page.getByTestId('bindings-columns').innerText()).toContain('1 hidden');
    expect(await axe('bindings, a column hidden')).toEqual([]);
    await page.reload();
    await rows().first().waitFor();
    expect(await page.getByRole('columnheader', { name: 'Created' }).count()).toBe(0);
    await page.getByTestId('bindings-columns').click();
    await page.getByRole('menuitemcheckbox', { name: 'Created' }).click();
    await created.waitFor();
  });

  it('the dashboard shows the last 24 hours by hour, next to the daily series', async () => {
    await page.goto(ui(''));
    await page.getByTestId('series-24h').click();
    await page.getByRole('heading', { name: 'Requests per hour' }).waitFor();
    // This run's traffic is counted in the current hour (counters flush every few seconds).
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="daily-chart"] rect.chart-allowed').length === 24,
    );
  });

  it('no raw key reached a URL, the browser storage, the database or the server log', async () => {
    expectNoRawKey(urls.join('\n'));
    expectNoRawKey(await browserStorage());
    expectNoRawKey(stack.output);
    const dump = JSON.stringify([
      await stack.query('SELECT * FROM token_bindings'),
      await stack.query('SELECT * FROM admin_audit'),
      await stack.query('SELECT * FROM intercept_logs'),
    ]);
    expectNoRawKey(dump);
  });
});
