import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

import { VIEWPORT, launchChromium } from './support/browser';
import { describeWithServices } from '@sentinel/testing-support';
import { ConsoleStack, SECRETS } from './support/stack';

/*
 * Single sign-on against a real OpenID provider (`oidc-provider` on loopback, its own login and
 * consent pages) driven in headless Chromium: the authorization-code flow with PKCE through the
 * console's "Sign in with …" button. alice's `groups` claim maps to operator; mallory's maps to
 * nothing and is refused.
 */
const describeInBrowser = (name: string, fn: () => void) =>
  describeWithServices(['postgres', 'redis', 'chromium'], name, fn);

const PROVIDER_PORT = 17401;
const CLIENT_ID = 'sentinel-console';
const CLIENT_SECRET = 'oidc-e2e-client-secret-0123456789abcdef';

describeInBrowser('single sign-on through an OpenID provider', () => {
  let stack: ConsoleStack;
  let provider: ChildProcess;
  let browser: Browser;

  beforeAll(async () => {
    let redirect = '';
    stack = await new ConsoleStack((url) => {
      redirect = `${url}/admin/api/oidc/callback`;
      return {
        OIDC_ISSUER: `http://127.0.0.1:${PROVIDER_PORT}`,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_REDIRECT_URL: redirect,
        OIDC_ROLE_CLAIM: 'groups',
        OIDC_ROLE_MAP: 'sentinel-admins=admin,sentinel-ops=operator',
        OIDC_NAME: 'Team IdP',
      };
    }).start();
    provider = spawn(
      process.execPath,
      [join(__dirname, 'support/oidc-provider.mjs'), String(PROVIDER_PORT), CLIENT_ID, CLIENT_SECRET, redirect],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      provider.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      provider.once('exit', (code) => reject(new Error(`oidc-provider exited with ${code}`)));
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (provider && provider.exitCode === null) provider.kill('SIGTERM');
    await stack?.stop();
  });

  async function signInThroughProvider(login: string): Promise<Page> {
    const context = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    await page.goto(`${stack.url}/admin/ui/login`);
    await page.getByRole('link', { name: 'Sign in with Team IdP' }).click();
    // The provider's own pages: its login form, then its consent.
    await page.waitForURL(new RegExp(`^http://127\\.0\\.0\\.1:${PROVIDER_PORT}/`));
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    const consent = page.locator('button[autofocus], button[type="submit"]').first();
    await page.waitForURL((u) => u.href.includes('/interaction/') || u.href.startsWith(stack.url));
    if (page.url().includes('/interaction/')) await consent.click();
    await page.waitForURL(new RegExp(`^${stack.url.replace(/[.]/g, '\\.')}/admin/ui/`));
    return page;
  }

  it('a mapped group signs in with the mapped role; the account is external', async () => {
    const page = await signInThroughProvider('alice');
    await page.waitForURL(/\/admin\/ui\/dashboard/);
    await page.getByTestId('signed-in-as').filter({ hasText: 'alice (IdP) (Operator)' }).waitFor();
    // Operator: binding actions yes, account management no.
    await page.getByRole('navigation').getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.getByTestId('own-account').waitFor();
    expect(await page.getByTestId('accounts-admin').count()).toBe(0);
    const me = await page.evaluate(async () => {
      const token = sessionStorage.getItem('sentinel.admin.jwt');
      const r = await fetch('/admin/api/me', { headers: { authorization: `Bearer ${token}` } });
      return r.json();
    });
    expect(me).toMatchObject({ username: 'alice', role: 'operator', via: 'session' });
    // As the admin sees it: an external account (no password), created by this first sign-in.
    const accounts = await page.evaluate(async (password) => {
      const login = await fetch('/admin/api/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password }),
      });
      const { accessToken } = await login.json();
      const r = await fetch('/admin/api/accounts', { headers: { authorization: `Bearer ${accessToken}` } });
      return (await r.json()).items as Array<{ username: string; external: boolean; role: string }>;
    }, SECRETS.ADMIN_PASSWORD);
    expect(accounts.find((a) => a.username === 'alice')).toMatchObject({ external: true, role: 'operator' });
    expect(accounts.find((a) => a.username === 'mallory')).toBeUndefined();
    await page.context().close();
  });

  it('a claim that maps to no role is refused', async () => {
    const page = await signInThroughProvider('mallory');
    await page.waitForURL(/\/admin\/ui\/login\?sso=denied/);
    await page.getByRole('alert').filter({ hasText: 'Single sign-on refused' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('sentinel.admin.jwt'))).toBeNull();
    await page.context().close();
  });
});
