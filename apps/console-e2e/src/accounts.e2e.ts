import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { VIEWPORT, launchChromium } from './support/browser';
import { describeWithServices } from '@sentinel/testing-support';
import { ConsoleStack, SECRETS } from './support/stack';

/*
 * Named accounts in the console: the admin creates a viewer on the Accounts page, the viewer signs
 * in in a second browser context (its own cookies and storage), sees who they are and their role,
 * and finds every mutating action absent (hidden by the *appCan directive; the API refuses them
 * with 403 regardless — apps/sentinel-e2e/src/admin/admin-accounts.e2e.ts).
 */
const describeInBrowser = (name: string, fn: () => void) =>
  describeWithServices(['postgres', 'redis', 'chromium'], name, fn);

describeInBrowser('accounts and roles in the console', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let adminContext: BrowserContext;
  let viewerContext: BrowserContext;
  let admin: Page;
  let viewer: Page;
  const KEY = `sk-view${randomBytes(24).toString('hex').slice(0, 44)}`;

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto(`${stack.url}/admin/ui/login`);
    if (username) await page.getByLabel('Username').fill(username);
    await page.getByLabel('Admin password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/ui\/dashboard/);
  }

  beforeAll(async () => {
    stack = await new ConsoleStack().start();
    browser = await launchChromium();
    adminContext = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT });
    viewerContext = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT });
    adminContext.setDefaultTimeout(20_000);
    viewerContext.setDefaultTimeout(20_000);
    admin = await adminContext.newPage();
    viewer = await viewerContext.newPage();
    expect(await stack.relay(KEY, '127.0.0.2')).toBe(200); // one binding to look at
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('the admin creates a viewer on the Accounts page', async () => {
    await signIn(admin, '', SECRETS.ADMIN_PASSWORD);
    await admin.getByTestId('signed-in-as').filter({ hasText: 'Administrator (Admin)' }).waitFor();
    await admin.getByRole('navigation').getByRole('link', { name: 'Accounts', exact: true }).click();
    const form = admin.getByTestId('accounts-admin');
    await form.waitFor();
    await form.getByLabel('Username').fill('Vera');
    await form.getByLabel('Password', { exact: true }).fill('vera the viewer!');
    await form.getByTestId('new-role').click();
    await admin.getByRole('option', { name: 'Viewer' }).click();
    await form.getByRole('button', { name: 'Create account' }).click();
    await admin.getByTestId('account-vera').waitFor();
  });

  it('the viewer, in a second context, sees their name and role and no mutating action', async () => {
    await signIn(viewer, 'vera', 'vera the viewer!');
    await viewer.getByTestId('signed-in-as').filter({ hasText: 'vera (Viewer)' }).waitFor();

    // Bindings: the row menu has Details only.
    await viewer.getByRole('navigation').getByRole('link', { name: 'Bindings', exact: true }).click();
    const row = viewer.locator('tr[data-testid^="binding-row-"]').first();
    await row.waitFor();
    await row.getByRole('button', { name: /^Actions for / }).click();
    await viewer.getByRole('menuitem', { name: 'Details' }).waitFor();
    for (const action of ['Edit rule', 'Ban', 'Unbind'])
      expect(await viewer.getByRole('menuitem', { name: action }).count()).toBe(0);
    await viewer.getByRole('menuitem', { name: 'Details' }).click();
    await viewer.waitForURL(/\/admin\/ui\/bindings\/\d+/);
    expect(await viewer.getByRole('button', { name: 'Ban' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Unbind' }).count()).toBe(0);

    // Settings: readable, but no save.
    await viewer.getByRole('navigation').getByRole('link', { name: 'Settings', exact: true }).click();
    await viewer.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await viewer.getByText('Failsafe mode').first().waitFor();
    expect(await viewer.getByTestId('settings-save').count()).toBe(0);
    await viewer.getByTestId('operations-card').waitFor();
    expect(await viewer.getByTestId('send-test-alert').count()).toBe(0);
    expect(await viewer.getByTestId('run-archive').count()).toBe(0);

    // Accounts: their own password only; no account or token management.
    await viewer.getByRole('navigation').getByRole('link', { name: 'Accounts', exact: true }).click();
    await viewer.getByTestId('own-account').waitFor();
    expect(await viewer.getByTestId('accounts-admin').count()).toBe(0);
    expect(await viewer.getByTestId('api-tokens').count()).toBe(0);
  });

  it('the admin disables the viewer: the viewer’s next call sends them to the sign-in page', async () => {
    const row = admin.getByTestId('account-vera');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled').waitFor();
    await viewer.getByRole('navigation').getByRole('link', { name: 'Dashboard', exact: true }).click();
    await viewer.waitForURL(/\/admin\/ui\/login/);
  });
});
