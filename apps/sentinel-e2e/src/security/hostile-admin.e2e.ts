import type { AdminErrorBody, AlertTestResponse, SettingsResponse } from '@sentinel/admin-contract';
import { createHmac, randomBytes } from 'node:crypto';
import { api, login } from '../admin/admin-support';
import { http } from '../support/http';
import { RealStack } from '../support/stack';
import { SentinelProcess, TEST_SECRETS } from '../support/sentinel-process';
import { describeWithServices } from '@sentinel/testing-support';

/**
 * Issue 17, items 7 and 8, against the BUILT server on real PostgreSQL and Redis: the admin side
 * under hostile input (deep JSON on the unauthenticated login, a JWT without exp, response
 * headers, webhook URLs delivery would refuse) and the fail-closed rule on New API's `/api/*`
 * (a relay key there is guarded like on a relay route). Case numbers: docs/SECURITY.md.
 */

const newKey = (): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(48), (b) => alphabet[b % alphabet.length]).join('');
};
const hashOf = (key: string) =>
  createHmac('sha256', TEST_SECRETS.SENTINEL_HMAC_SECRET).update(key.toLowerCase()).digest('hex');

describeWithServices(
  ['postgres', 'redis'],
  'hostile input — the admin side and /api/* (issue 17, items 7 and 8)',
  () => {
    let stack: RealStack | null = null;
    let s: SentinelProcess;
    let base: string;
    let token: string;

    beforeAll(async () => {
      stack = await RealStack.start();
      if (!stack) return;
      s = await stack.sentinel();
      base = s.url;
      token = await login(base);
    });

    afterAll(async () => {
      await stack?.stop();
    });

    it('case 17.7a: ≈ 390 KiB of nested arrays / objects to the unauthenticated login → 400 with a clear message, no stack trace logged; login still works', async () => {
      if (!stack) return;
      const n = 195 * 1024;
      const bodies = [
        `{"password":${'['.repeat(n)}${']'.repeat(n)}}`,
        `{"password":"x","username":${'{"a":'.repeat(n / 3)}1${'}'.repeat(n / 3)}}`,
        `${'['.repeat(n)}${']'.repeat(n)}`,
      ];
      const logBefore = s.output.length;
      for (const body of bodies) {
        expect(body.length).toBeGreaterThan(380 * 1024);
        const r = await api<AdminErrorBody>(base, 'POST', 'login', { body });
        expect([r.status, r.json]).toEqual([
          400,
          { error: { code: 'validation_failed', message: 'The request body is nested deeper than 32 levels.' } },
        ]);
        expect(r.headers['cache-control']).toBe('no-store');
      }
      const log = s.output.slice(logBefore);
      expect(log).not.toMatch(/RangeError|Maximum call stack|"level":"error"|\n\s+at /);
      expect((await api(base, 'POST', 'login', { body: { password: TEST_SECRETS.ADMIN_PASSWORD } })).status).toBe(200);
    });

    it('case 16 (17.7b): a correctly signed admin JWT without exp → 401; the same claims with exp pass', async () => {
      if (!stack) return;
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const sign = (body: object) => {
        const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(body)}`;
        return `${head}.${createHmac('sha256', TEST_SECRETS.ADMIN_JWT_SECRET).update(head).digest('base64url')}`;
      };
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
      const { exp: _exp, ...withoutExp } = claims;
      expect(typeof claims['exp']).toBe('number');
      const refused = await api<AdminErrorBody>(base, 'GET', 'bindings', { token: sign(withoutExp) });
      expect([refused.status, refused.json.error.code]).toEqual([401, 'unauthorized']);
      expect((await api(base, 'GET', 'bindings', { token: sign(claims) })).status).toBe(200);
    });

    it('case 17.7c: every admin API answer carries Cache-Control: no-store and nosniff — login (200, 401, 400, 415), authenticated reads, 401, unknown paths', async () => {
      if (!stack) return;
      const answers = {
        loginOk: await api(base, 'POST', 'login', { body: { password: TEST_SECRETS.ADMIN_PASSWORD } }),
        loginWrong: await api(base, 'POST', 'login', { body: { password: 'wrong' }, from: '127.0.0.5' }),
        loginBadJson: await api(base, 'POST', 'login', { body: '{"password":' }),
        loginNotJson: await http(`${base}/admin/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'x',
        }),
        settings: await api(base, 'GET', 'settings', { token }),
        unauthenticated: await api(base, 'GET', 'settings'),
        unknownPath: await api(base, 'GET', 'no-such-route', { token }),
        openapi: await api(base, 'GET', 'openapi.json'),
      };
      const seen = Object.entries(answers).map(([what, r]) => [
        what,
        r.headers['cache-control'],
        r.headers['x-content-type-options'],
      ]);
      expect(seen).toEqual(Object.keys(answers).map((what) => [what, 'no-store', 'nosniff']));
      expect(answers.loginOk.status).toBe(200);
      expect(answers.loginWrong.status).toBe(401);
      expect(answers.loginBadJson.status).toBe(400);
      expect(answers.loginNotJson.status).toBe(415);
      expect(answers.unauthenticated.status).toBe(401);
      expect(answers.unknownPath.status).toBe(404);
    });

    it('case 17.7d: the console Sentinel serves carries CSP (scripts self only, no framing), X-Frame-Options, nosniff and Referrer-Policy on every response', async () => {
      if (!stack) return;
      const index = await http(`${base}/admin/ui/`);
      expect(index.status).toBe(200);
      // The built index.html needs no inline script: only external module scripts.
      expect(index.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(index.body).not.toMatch(/\son[a-z]+=/i);
      const script = /src="(main-[A-Z0-9]+\.js)"/.exec(index.body)?.[1];
      const style = /href="(styles-[A-Z0-9]+\.css)"/.exec(index.body)?.[1];
      const responses = {
        index,
        deepLink: await http(`${base}/admin/ui/bindings/42`),
        script: await http(`${base}/admin/ui/${script}`),
        style: await http(`${base}/admin/ui/${style}`),
        favicon: await http(`${base}/admin/ui/favicon.svg`),
        redirect: await http(`${base}/admin/ui`),
      };
      for (const [what, r] of Object.entries(responses)) {
        const csp = String(r.headers['content-security-policy'] ?? '');
        const directives = new Map(
          csp.split(';').map((d) => {
            const [name, ...values] = d.trim().split(/\s+/);
            return [name, values.join(' ')] as const;
          }),
        );
        expect([
          what,
          directives.get('script-src'),
          directives.get('frame-ancestors'),
          directives.get('object-src'),
        ]).toEqual([what, "'self'", "'none'", "'none'"]);
        expect([what, csp]).not.toEqual([what, expect.stringMatching(/unsafe-eval|script-src[^;]*unsafe-inline/)]);
        expect([
          what,
          r.headers['x-frame-options'],
          r.headers['x-content-type-options'],
          r.headers['referrer-policy'],
        ]).toEqual([what, 'DENY', 'nosniff', 'no-referrer']);
      }
    });

    it('case 19 (17.7e): webhook URLs that delivery refuses are refused when saved — 400 with delivery’s own message, nothing saved, nothing audited; delivery still checks', async () => {
      if (!stack) return;
      const db = stack.db;
      const targets: [string, string][] = [
        ['http://127.0.0.1/', 'refused: 127.0.0.1, a loopback address'],
        ['http://169.254.169.254/latest/meta-data/', 'refused: 169.254.169.254, a link-local address'],
        ['http://[::ffff:127.0.0.1]/', 'refused: ::ffff:7f00:1 resolves to 127.0.0.1, a loopback address'],
        ['http://0x7f.1/', 'refused: 127.0.0.1, a loopback address'],
        ['http://2130706433/hook', 'refused: 127.0.0.1, a loopback address'],
        ['http://[::1]:9/hook', 'refused: ::1, a loopback address'],
        ['http://10.0.0.5/hook', 'refused: 10.0.0.5, a private address'],
        ['http://[fd00::1]/hook', 'refused: fd00::1, a unique local address'],
        ['http://localhost:9/hook', 'refused: localhost resolves to'],
      ];
      const auditBefore = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM admin_audit WHERE action LIKE 'settings.%'`,
      );
      for (const [url, message] of targets) {
        const r = await api<AdminErrorBody>(base, 'PUT', 'settings', {
          token,
          body: { values: { alertWebhookUrl: url } },
        });
        expect([url, r.status, r.json.error.code]).toEqual([url, 400, 'validation_failed']);
        expect([url, r.json.error.fields]).toEqual([
          url,
          [{ field: 'values.alertWebhookUrl', messages: [expect.stringContaining(message)] }],
        ]);
        expect(r.json.error.fields?.[0].messages[0]).toContain('see the alertAllowPrivateTargets setting');
      }
      // Several settings in one request: all refused together, none saved.
      const mixed = await api(base, 'PUT', 'settings', {
        token,
        body: { values: { alertWebhookUrl: 'http://127.0.0.1/', alertThresholdCount: 2 } },
      });
      expect(mixed.status).toBe(400);
      expect(await db.query(`SELECT key FROM runtime_settings`)).toEqual([]);
      const view = await api<SettingsResponse>(base, 'GET', 'settings', { token });
      expect(view.json.settings.find((x) => x.key === 'alertWebhookUrl')).toMatchObject({
        value: null,
        source: 'environment',
      });
      const auditAfter = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM admin_audit WHERE action LIKE 'settings.%'`,
      );
      expect(auditAfter).toEqual(auditBefore);

      // Turning private targets off under a private URL is refused the same way.
      const allowed = await api(base, 'PUT', 'settings', {
        token,
        body: { values: { alertWebhookUrl: 'http://127.0.0.1:9/hook', alertAllowPrivateTargets: true } },
      });
      expect(allowed.status).toBe(200);
      const off = await api<AdminErrorBody>(base, 'PUT', 'settings', {
        token,
        body: { values: { alertAllowPrivateTargets: false } },
      });
      expect([off.status, off.json.error.fields?.[0].field]).toEqual([400, 'values.alertAllowPrivateTargets']);
      expect(off.json.error.fields?.[0].messages[0]).toContain('refused: 127.0.0.1, a loopback address');

      // Delivery keeps its own check (a name's DNS can change after the save): a stored private
      // URL — written behind the API's back — is still refused at delivery, in the same words.
      await db.query(`UPDATE runtime_settings SET value = 'false'::jsonb WHERE key = 'alertAllowPrivateTargets'`);
      const reload = await api(base, 'PUT', 'settings', { token, body: { values: { alertThresholdCount: 3 } } });
      expect(reload.status).toBe(200); // every save re-reads the table
      const test = await api<AlertTestResponse>(base, 'POST', 'alerts/test', { token });
      expect(test.json).toMatchObject({ status: 'failed', attempts: 1, httpStatus: null });
      expect(test.json.error).toContain('refused: 127.0.0.1, a loopback address');
      expect(
        (
          await api(base, 'PUT', 'settings', {
            token,
            body: { reset: ['alertWebhookUrl', 'alertAllowPrivateTargets', 'alertThresholdCount'] },
          })
        ).status,
      ).toBe(200);
    });

    it('case 17.8: a leaked key on /api/* (TokenOrUserAuth routes such as /api/canvas/x) from a foreign address → 403 and an intercept row; session cookies and user access tokens pass untouched', async () => {
      if (!stack) return;
      const upstream = stack.upstream;
      const k = newKey();
      // The key binds where its owner uses it.
      expect(
        (await http(`${base}/v1/models`, { headers: { authorization: `Bearer sk-${k}` }, from: '127.0.0.2' })).status,
      ).toBe(200);
      const sawKey = () => upstream.requests.filter((r) => JSON.stringify(r.headers).includes(k)).length;
      const before = sawKey();

      // From elsewhere, in every carrier New API's TokenAuth reads on /api/*: refused, never forwarded.
      const leaked: [string, Record<string, string>][] = [
        ['/api/canvas/x', { authorization: `Bearer sk-${k}` }],
        ['/api/canvas/projects/1/run', { authorization: `Bearer sk-${k}-3` }],
        ['/api/ark_asset', { authorization: `sk-${k}` }],
        ['/api/assets/self', { 'sec-websocket-protocol': `openai-insecure-api-key.sk-${k}` }],
        ['/api/canvas/x', { 'mj-api-secret': `sk-${k}` }],
        ['/api/some/future/route', { authorization: `Bearer sk-${k}`, cookie: 'session=abc' }],
      ];
      for (const [path, headers] of leaked) {
        const r = await http(`${base}${path}`, { headers, from: '127.0.0.3' });
        expect([path, r.status]).toEqual([path, 403]);
        expect(JSON.parse(r.body)).toMatchObject({ error: { type: 'new_api_error', code: 'access_denied' } });
      }
      expect(sawKey()).toBe(before);
      // Intercept rows are written in batches, off the request path.
      const deadline = Date.now() + 20_000;
      let rows = 0;
      while (Date.now() < deadline) {
        rows = (
          await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM intercept_logs WHERE token_hash = $1`, [
            hashOf(k),
          ])
        )[0].n;
        if (rows >= leaked.length) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(rows).toBe(leaked.length);

      // From the bound address the same /api request is guarded and allowed.
      expect(
        (await http(`${base}/api/canvas/x`, { headers: { authorization: `Bearer sk-${k}` }, from: '127.0.0.2' }))
          .status,
      ).toBe(200);

      // Dashboard credentials pass through untouched, from any address, and bind nothing.
      const bindingsBefore = (await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM token_bindings`))[0]
        .n;
      const dashboard: [string, Record<string, string>][] = [
        ['/api/canvas/x', { cookie: 'session=MTcxNjQ4OTYwMHxEdi1CQkFFQ180SUFBUkFCRUFBQV98' }],
        ['/api/user/self', { authorization: 'f7a9c1d2e3b4a5968778695a4b3c2d1e', 'new-api-user': '1' }],
        ['/api/canvas/x', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln' }],
      ];
      for (const [path, headers] of dashboard) {
        const r = await http(`${base}${path}`, { headers, from: '127.0.0.4' });
        expect([path, r.status]).toEqual([path, 200]);
        const seen = upstream.last();
        expect([path, seen?.url]).toEqual([path, path]);
        for (const [name, value] of Object.entries(headers)) expect([path, seen?.headers[name]]).toEqual([path, value]);
      }
      const bindingsAfter = (await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM token_bindings`))[0].n;
      expect(bindingsAfter).toBe(bindingsBefore);
    });
  },
);
