import type {
  AdminErrorBody,
  AuditListResponse,
  BindingDetailResponse,
  BindingListResponse,
  BindingOperationResponse,
  DashboardResponse,
  LogListResponse,
  SettingsResponse,
  StatusResponse,
} from '@sentinel/admin-contract';
import { createHmac } from 'node:crypto';
import { http } from '../support/http';
import { TEST_SECRETS } from '../support/sentinel-process';
import { api, b64url, eventually, relay, tokenIdOf, useCluster, type AdminCluster } from './admin-support';
import { describeWithServices, testRedisUrl } from '@sentinel/testing-support';

const key = (n: number) => `adm${String(n).padStart(45, '0')}`; // 48 chars like New API's keys

describeWithServices(['postgres', 'redis'], 'the admin API on two instances sharing PostgreSQL and Redis', () => {
  let cluster!: AdminCluster;
  let A = '';
  let B = '';
  let token = '';
  useCluster(2, (c) => ({ cluster, A, B, token } = c));

  const bindingOf = async (n: number) => {
    const r = await api<BindingDetailResponse>(A, 'GET', `bindings/${tokenIdOf(key(n))}`, { token });
    expect(r.status).toBe(200);
    return r.json.binding;
  };

  describe('authentication', () => {
    it('every endpoint but login needs a bearer token', async () => {
      for (const [method, path] of [
        ['GET', 'dashboard'],
        ['GET', 'bindings'],
        ['GET', 'bindings/1'],
        ['POST', 'bindings/unbind'],
        ['PUT', 'bindings/ip'],
        ['POST', 'bindings/ban'],
        ['POST', 'bindings/unban'],
        ['GET', 'logs'],
        ['GET', 'logs/export'],
        ['GET', 'settings'],
        ['PUT', 'settings'],
        ['DELETE', 'settings/loginMaxFailures'],
        ['GET', 'audit'],
        ['GET', 'status'],
      ]) {
        const r = await api<AdminErrorBody>(A, method, path, {
          body: method === 'GET' || method === 'DELETE' ? undefined : { id: '1' },
        });
        expect([path, r.status, r.json?.error.code]).toEqual([path, 401, 'unauthorized']);
      }
    });

    it('refuses alg none, another algorithm, expired, forged and malformed tokens (401)', async () => {
      const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<
        string,
        number | string
      >;
      const sign = (header: object, body: object, secret: string, alg = 'sha256') => {
        const head = `${b64url(header)}.${b64url(body)}`;
        return `${head}.${createHmac(alg, secret).update(head).digest('base64url')}`;
      };
      const now = Math.floor(Date.now() / 1000);
      const bad = [
        `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`,
        sign({ alg: 'HS512', typ: 'JWT' }, payload, TEST_SECRETS.ADMIN_JWT_SECRET, 'sha512'),
        sign(
          { alg: 'HS256', typ: 'JWT' },
          { ...payload, iat: now - 100, exp: now - 10 },
          TEST_SECRETS.ADMIN_JWT_SECRET,
        ),
        sign({ alg: 'HS256', typ: 'JWT' }, payload, 'not-the-secret-0123456789abcdef0123456789abcd'),
        sign({ alg: 'HS256', typ: 'JWT' }, { ...payload, aud: 'someone-else' }, TEST_SECRETS.ADMIN_JWT_SECRET),
        'not-a-jwt',
        'a'.repeat(10_000),
      ];
      for (const t of bad) {
        const r = await api<AdminErrorBody>(A, 'GET', 'status', { token: t });
        expect(r.status).toBe(401);
        expect(r.json.error.code).toBe('unauthorized');
        expect(r.body).not.toMatch(/at \w+ \(|node_modules/); // no stack trace
      }
      // The same token works on the other instance.
      expect((await api(B, 'GET', 'status', { token })).status).toBe(200);
    });

    it('a wrong password is 401 in the error shape; unknown fields are 400', async () => {
      const wrong = await api<AdminErrorBody>(A, 'POST', 'login', { body: { password: 'nope' } });
      expect(wrong.status).toBe(401);
      expect(wrong.json.error).toEqual({ code: 'unauthorized', message: 'Invalid username or password.' });
      const extra = await api<AdminErrorBody>(A, 'POST', 'login', { body: { password: 'x', role: 'root' } });
      expect(extra.status).toBe(400);
      expect(extra.json.error.fields).toEqual([{ field: 'role', messages: ['property role should not exist'] }]);
      const broken = await api<AdminErrorBody>(A, 'POST', 'login', { body: '{"password":' });
      expect(broken.status).toBe(400);
      expect(broken.json.error.code).toBe('validation_failed');
      const huge = await api<AdminErrorBody>(A, 'POST', 'login', { body: { password: 'x'.repeat(1_100_000) } });
      expect(huge.status).toBe(413);
    });
  });

  describe('bindings', () => {
    beforeAll(async () => {
      for (const [n, from] of [
        [1, '127.0.0.2'],
        [2, '127.0.0.3'],
        [3, '127.0.0.4'],
      ] as const) {
        expect((await relay(A, `sk-${key(n)}`, from)).status).toBe(200);
      }
    });

    it('lists with filters, sorting and pagination', async () => {
      const all = await api<BindingListResponse>(A, 'GET', 'bindings?sort=created&order=asc', { token });
      expect(all.status).toBe(200);
      expect(all.json.total).toBe(3);
      expect(all.json.items.map((b) => b.firstIp)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
      expect(all.json.items[0]).toMatchObject({
        ruleKind: 'single',
        ruleEntries: ['127.0.0.2/32'],
        status: 'active',
        interceptCount: 0,
      });
      expect(JSON.stringify(all.json)).not.toContain(key(1));

      const page2 = await api<BindingListResponse>(A, 'GET', 'bindings?sort=created&order=asc&page=2&pageSize=2', {
        token,
      });
      expect(page2.json).toMatchObject({ page: 2, pageSize: 2, total: 3 });
      expect(page2.json.items.map((b) => b.firstIp)).toEqual(['127.0.0.4']);

      // Keyset paging: the first page's nextCursor leads to the same second page; the last has none.
      const first = await api<BindingListResponse>(A, 'GET', 'bindings?sort=created&order=asc&pageSize=2', { token });
      expect(first.json).toMatchObject({ total: 3, totalExact: true, nextCursor: expect.any(String) });
      const next = await api<BindingListResponse>(
        A,
        'GET',
        `bindings?sort=created&order=asc&pageSize=2&page=2&cursor=${first.json.nextCursor}`,
        { token },
      );
      expect(next.json.items.map((b) => b.firstIp)).toEqual(['127.0.0.4']);
      expect(next.json).toMatchObject({ page: 2, nextCursor: null });
      const wrongSort = await api<AdminErrorBody>(
        A,
        'GET',
        `bindings?sort=intercepts&cursor=${first.json.nextCursor}`,
        { token },
      );
      expect(wrongSort.status).toBe(400);
      expect(wrongSort.json.error.fields?.map((f) => f.field)).toEqual(['cursor']);

      const byIp = await api<BindingListResponse>(A, 'GET', 'bindings?ip=127.0.0.3', { token });
      expect(byIp.json.items.map((b) => b.firstIp)).toEqual(['127.0.0.3']);
      const byMask = await api<BindingListResponse>(
        A,
        'GET',
        `bindings?token=${encodeURIComponent(`sk-${key(2).slice(0, 4)}`)}`,
        { token },
      );
      expect(byMask.json.total).toBe(3); // all three share the prefix "adm0"
      const byId = await api<BindingListResponse>(A, 'GET', `bindings?token=${tokenIdOf(key(2)).slice(0, 10)}`, {
        token,
      });
      expect(byId.json.items.map((b) => b.firstIp)).toEqual(['127.0.0.3']);
      const none = await api<BindingListResponse>(A, 'GET', 'bindings?ip=10.9.9.9&status=active&ruleKind=single', {
        token,
      });
      expect(none.json.total).toBe(0);
    });

    it('rejects bad queries and bodies with field-level 400s', async () => {
      const q = await api<AdminErrorBody>(A, 'GET', 'bindings?pageSize=5000&sort=random&ip=012.1.1.1&bogus=1', {
        token,
      });
      expect(q.status).toBe(400);
      expect(q.json.error.fields?.map((f) => f.field).sort()).toEqual(['bogus', 'ip', 'pageSize', 'sort']);

      const id = (await bindingOf(1)).id;
      const entries = await api<AdminErrorBody>(A, 'PUT', 'bindings/ip', {
        token,
        body: { id, ruleKind: 'multiple', entries: ['10.0.0.1', '10.0.0.300', 'fe80::1%eth0'] },
      });
      expect(entries.status).toBe(400);
      expect(entries.json.error.fields?.[0].field).toBe('entries');
      expect(entries.json.error.fields?.[0].messages[0]).toMatch(/#2: .*#3: /s);

      const shape = await api<AdminErrorBody>(A, 'PUT', 'bindings/ip', {
        token,
        body: { id, ruleKind: 'single', entries: ['10.0.0.1', '10.0.0.2'] },
      });
      expect(shape.status).toBe(400);
      expect(shape.json.error.fields).toEqual([{ field: 'entries', messages: [expect.stringMatching(/exactly one/)] }]);

      const tooMany = await api<AdminErrorBody>(A, 'PUT', 'bindings/ip', {
        token,
        body: { id, ruleKind: 'multiple', entries: Array.from({ length: 257 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) },
      });
      expect(tooMany.status).toBe(400);

      const kind = await api<AdminErrorBody>(A, 'PUT', 'bindings/ip', {
        token,
        body: { id, ruleKind: 'any', entries: [], x: 1 },
      });
      expect(kind.json.error.fields?.map((f) => f.field).sort()).toEqual(['ruleKind', 'x']);

      const badId = await api<AdminErrorBody>(A, 'POST', 'bindings/ban', { token, body: { id: 'DROP TABLE' } });
      expect(badId.status).toBe(400);
      expect(badId.json.error.fields?.[0].field).toBe('id');
    });

    it('404 on unknown bindings, by id and by token id', async () => {
      for (const id of ['999999', 'f'.repeat(64)]) {
        expect((await api(A, 'POST', 'bindings/ban', { token, body: { id } })).status).toBe(404);
        expect((await api(A, 'POST', 'bindings/unbind', { token, body: { id } })).status).toBe(404);
        const r = await api<AdminErrorBody>(A, 'GET', `bindings/${id}`, { token });
        expect(r.status).toBe(404);
        expect(r.json.error.code).toBe('not_found');
      }
    });

    it('a ban on A is enforced by B as soon as the call returns; unban restores it', async () => {
      const k = `sk-${key(1)}`;
      expect((await relay(B, k, '127.0.0.2')).status).toBe(200); // B holds the decision in its L1
      const ban = await api<BindingOperationResponse>(A, 'POST', 'bindings/ban', {
        token,
        body: { id: tokenIdOf(key(1)) },
      });
      expect(ban.status).toBe(200);
      expect(ban.json).toMatchObject({
        before: { status: 'active' },
        after: { status: 'banned' },
        propagated: 'all-instances',
      });
      const refused = await relay(B, k, '127.0.0.2');
      expect(refused.status).toBe(403);
      expect((await relay(A, k, '127.0.0.2')).status).toBe(403);

      const unban = await api<BindingOperationResponse>(A, 'POST', 'bindings/unban', {
        token,
        body: { id: ban.json.id },
      });
      expect(unban.json.after?.status).toBe('active');
      expect((await relay(B, k, '127.0.0.2')).status).toBe(200);
    });

    it('a rule edit on B applies on A at once, normalised', async () => {
      const k = `sk-${key(2)}`;
      expect((await relay(A, k, '127.0.0.3')).status).toBe(200);
      const b = await bindingOf(2);
      const set = await api<BindingOperationResponse>(B, 'PUT', 'bindings/ip', {
        token,
        body: {
          id: b.id,
          ruleKind: 'multiple',
          entries: [' 127.0.0.5 ', '::ffff:127.0.0.6', '10.1.2.3/8', '127.0.0.5'],
        },
      });
      expect(set.status).toBe(200);
      expect(set.json.after).toEqual({
        ruleKind: 'multiple',
        ruleEntries: ['127.0.0.5/32', '127.0.0.6/32', '10.0.0.0/8'],
        status: 'active',
      });
      expect((await relay(A, k, '127.0.0.3')).status).toBe(403);
      expect((await relay(A, k, '127.0.0.5')).status).toBe(200);
      expect((await relay(A, k, '127.0.0.6')).status).toBe(200);

      const all = await api<BindingOperationResponse>(A, 'PUT', 'bindings/ip', {
        token,
        body: { id: b.id, ruleKind: 'all', entries: [] },
      });
      expect(all.json.after).toEqual({ ruleKind: 'all', ruleEntries: [], status: 'active' });
      expect((await relay(B, k, '127.0.0.9')).status).toBe(200);
    });

    it('unbind on A: B binds the token afresh on its next use', async () => {
      const k = `sk-${key(3)}`;
      expect((await relay(B, k, '127.0.0.4')).status).toBe(200);
      const un = await api<BindingOperationResponse>(A, 'POST', 'bindings/unbind', {
        token,
        body: { id: (await bindingOf(3)).id },
      });
      expect(un.status).toBe(200);
      expect(un.json.after).toBeNull();
      expect((await relay(B, k, '127.0.0.7')).status).toBe(200);
      expect((await bindingOf(3)).ruleEntries).toEqual(['127.0.0.7/32']);
      expect((await relay(A, k, '127.0.0.4')).status).toBe(403);
    });

    it('audits every change with actor, before → after and client ip; detail shows it', async () => {
      const r = await api<AuditListResponse>(A, 'GET', 'audit?targetType=binding&pageSize=50', {
        token,
        from: '127.0.0.9',
      });
      expect(r.status).toBe(200);
      const actions = r.json.items.map((e) => e.action).reverse();
      expect(actions).toEqual([
        'binding.ban',
        'binding.unban',
        'binding.set_rule',
        'binding.set_rule',
        'binding.unbind',
      ]);
      const ban = r.json.items.find((e) => e.action === 'binding.ban');
      expect(ban).toMatchObject({
        actor: 'admin',
        targetType: 'binding',
        ip: '127.0.0.1',
        before: { status: 'active' },
        after: { status: 'banned' },
      });

      const id = (await bindingOf(1)).id;
      // Intercept rows are written in batches (every second).
      const detail = await eventually(
        () => api<BindingDetailResponse>(A, 'GET', `bindings/${id}`, { token }),
        (d) => d.json.recentIntercepts.length > 0,
      );
      expect(detail.json.auditHistory.map((e) => e.action)).toEqual(['binding.unban', 'binding.ban']);
      expect(detail.json.recentIntercepts.length).toBeGreaterThanOrEqual(1);
      expect(detail.json.recentIntercepts[0]).toMatchObject({ reason: 'banned', clientIp: '127.0.0.2' });
    });
  });

  describe('intercept logs', () => {
    beforeAll(async () => {
      // A row with hostile content, as a client could provoke through path and user agent.
      await cluster.db.query(
        `INSERT INTO intercept_logs (token_hash, token_mask, client_ip, rule_kind, rule_entries, binding_status, reason, method, path, user_agent, created_at)
         VALUES ($1, 'sk-evil…evil', '198.51.100.7', 'single', '{198.51.100.1/32}', 'active', 'ip_not_allowed', 'GET', $2, $3, '2026-01-15T12:00:00Z')`,
        ['e'.repeat(64), '=HYPERLINK("http://x","y")', '+cmd, "quoted"\r\nnext'],
      );
    });

    it('lists with filters and pagination', async () => {
      const all = await eventually(
        () => api<LogListResponse>(A, 'GET', 'logs', { token }),
        (r) => r.json.total >= 4,
      );
      expect(all.json.total).toBeGreaterThanOrEqual(4);
      // Intercept rows are written in batches by each instance (every second): wait for both.
      const banned = await eventually(
        () => api<LogListResponse>(A, 'GET', 'logs?reason=banned', { token }),
        (r) => r.json.total >= 2,
      );
      expect(banned.json.items.every((l) => l.reason === 'banned')).toBe(true);
      expect(banned.json.total).toBeGreaterThanOrEqual(2);
      const byIp = await api<LogListResponse>(A, 'GET', 'logs?clientIp=198.51.100.7', { token });
      expect(byIp.json.items.map((l) => l.tokenMask)).toEqual(['sk-evil…evil']);
      const range = await api<LogListResponse>(
        A,
        'GET',
        'logs?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&pageSize=1',
        { token },
      );
      expect(range.json).toMatchObject({ total: 1, pageSize: 1 });
      const byToken = await api<LogListResponse>(A, 'GET', `logs?token=${tokenIdOf(key(1)).slice(0, 8)}`, { token });
      expect(byToken.json.items.every((l) => l.tokenId === tokenIdOf(key(1)))).toBe(true);
      expect((await api(A, 'GET', 'logs?reason=maybe', { token })).status).toBe(400);
      // By cursor, page after page, the same rows as one large page.
      const whole = await api<LogListResponse>(A, 'GET', 'logs?pageSize=200', { token });
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { json: LogListResponse } = await api<LogListResponse>(
          A,
          'GET',
          `logs?pageSize=1${cursor ? `&cursor=${cursor}` : ''}`,
          { token },
        );
        walked.push(...page.json.items.map((l) => l.id));
        cursor = page.json.nextCursor;
      } while (cursor && walked.length < 50);
      expect(walked).toEqual(whole.json.items.map((l) => l.id));
    });

    it('exports CSV with the same filters, quoted and formula-neutralised', async () => {
      const r = await http(`${A}/admin/api/logs/export?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/csv/);
      expect(r.headers['content-disposition']).toBe(
        'attachment; filename="intercepts_20260101T000000Z_20260201T000000Z.csv"',
      );
      expect(r.body.startsWith('\uFEFF')).toBe(true); // UTF-8 BOM, for Excel
      const lines = r.body.slice(1).split('\r\n');
      expect(lines[0]).toBe(
        '"time","token_mask","token_id","client_ip","reason","rule_kind","rule_entries","binding_status","method","path","user_agent","request_id"',
      );
      expect(r.body).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
      expect(r.body).toContain(`"'+cmd, ""quoted""\r\nnext"`);
      expect(r.body).toContain('"198.51.100.7"');

      const everything = await http(`${A}/admin/api/logs/export`, { headers: { authorization: `Bearer ${token}` } });
      expect(everything.headers['content-disposition']).toBe('attachment; filename="intercepts_all_all.csv"');
      expect(everything.body).not.toContain(key(1));
      expect(everything.body.split('"sk-adm0…').length - 1).toBeGreaterThanOrEqual(3);
    });
  });

  it('the dashboard counts today, the series and the top intercepted tokens', async () => {
    const r = await eventually(
      () => api<DashboardResponse>(A, 'GET', 'dashboard', { token }),
      (x) => x.json.today.intercepted >= 3 && x.json.today.newBindings >= 4,
      12_000, // counters are flushed every 5 s by each instance
    );
    expect(r.status).toBe(200);
    expect(r.json.today.allowed).toBeGreaterThanOrEqual(8);
    expect(r.json.bindings).toEqual({ active: 3, banned: 0, total: 3 });
    expect(r.json.series7d).toHaveLength(7);
    expect(r.json.series30d).toHaveLength(30);
    expect(r.json.series7d[6]).toMatchObject({ day: r.json.today.day, intercepted: r.json.today.intercepted });
    expect(r.json.topIntercepted['24h'][0].tokenId).toBe(tokenIdOf(key(1)));
    expect(r.json.latestIntercepts.length).toBeGreaterThan(0);
    // The sharing panel answers with the live settings it was computed with (defaults here).
    expect(r.json.sharedKeys).toMatchObject({ windowSeconds: 3600, threshold: 3, items: expect.any(Array) });
    expect(r.json.status).toMatchObject({ mode: 'normal', postgres: { up: true }, redis: { up: true } });
  });

  it('status reports the dependencies and this instance', async () => {
    const a = await api<StatusResponse>(A, 'GET', 'status', { token });
    const b = await api<StatusResponse>(B, 'GET', 'status', { token });
    expect(a.json).toMatchObject({
      mode: 'normal',
      failsafeMode: 'closed',
      failsafeActive: false,
      postgres: { up: true, mode: 'postgres' },
      redis: { up: true, mode: 'redis' },
    });
    expect(a.json.instanceId).not.toBe(b.json.instanceId);
  });

  describe('runtime settings', () => {
    const view = async (base: string) =>
      (await api<SettingsResponse>(base, 'GET', 'settings', { token })).json.settings;
    const find = (s: SettingsResponse['settings'], k: string) => s.find((x) => x.key === k);

    it('shows every key with its source; secrets are write-only', async () => {
      const s = await view(A);
      expect(s).toHaveLength(24); // 15, plus alertBurstMax, bindRatePerAddress, bindBurstPerAddress, bindMaxAddresses, bindLearnWindowSeconds, accessTokenMinutes, interceptCommitWaitMs, sharingWindowSeconds, sharingDistinctThreshold
      expect(find(s, 'loginMaxFailures')).toMatchObject({ source: 'environment', value: 5, defaultValue: 5 });
      expect(find(s, 'alertWebhookSecret')).toMatchObject({ secret: true, value: null, isSet: false });
    });

    it('an override on A is persisted, applied live on B, and audited without secrets', async () => {
      const secret = 'a-webhook-secret-0123456789';
      const put = await api<SettingsResponse>(A, 'PUT', 'settings', {
        token,
        body: { values: { bindIpv4Prefix: 24, loginMaxFailures: 7, alertWebhookSecret: secret } },
      });
      expect(put.status).toBe(200);
      expect(find(put.json.settings, 'bindIpv4Prefix')).toMatchObject({
        source: 'override',
        value: 24,
        defaultValue: 32,
        updatedBy: 'admin',
      });
      const onB = await eventually(
        () => view(B),
        (s) => find(s, 'bindIpv4Prefix')?.value === 24,
      );
      expect(find(onB, 'alertWebhookSecret')).toMatchObject({ isSet: true, value: null });
      expect(JSON.stringify(onB)).not.toContain(secret);

      // Applied on B: a first use through B binds the /24.
      expect((await relay(B, `sk-${key(9)}`, '127.0.0.8')).status).toBe(200);
      const bound = await api<BindingDetailResponse>(A, 'GET', `bindings/${tokenIdOf(key(9))}`, { token });
      expect(bound.json.binding.ruleEntries).toEqual(['127.0.0.0/24']);

      const rows = await cluster.db.query<{ key: string }>(`SELECT key FROM runtime_settings ORDER BY key`);
      expect(rows.map((r) => r.key)).toEqual(['alertWebhookSecret', 'bindIpv4Prefix', 'loginMaxFailures']);
      const audit = await api<AuditListResponse>(A, 'GET', 'audit?action=settings.update', { token });
      expect(audit.json.items[0]).toMatchObject({
        before: { bindIpv4Prefix: 32, loginMaxFailures: 5, alertWebhookSecret: { isSet: false } },
        after: { bindIpv4Prefix: 24, alertWebhookSecret: { isSet: true } },
      });
      expect(JSON.stringify(audit.json)).not.toContain(secret);
    });

    it('rejects invalid values with field errors and changes nothing', async () => {
      const r = await api<AdminErrorBody>(A, 'PUT', 'settings', {
        token,
        body: { values: { bindIpv4Prefix: 40, failsafeMode: 'ajar', nope: 1, loginLockSeconds: 60 } },
      });
      expect(r.status).toBe(400);
      expect(r.json.error.fields?.map((f) => f.field).sort()).toEqual([
        'values.bindIpv4Prefix',
        'values.failsafeMode',
        'values.nope',
      ]);
      expect(find(await view(A), 'loginLockSeconds')?.source).toBe('environment');
      expect((await api(A, 'PUT', 'settings', { token, body: { reset: ['nope'] } })).status).toBe(400);
      expect((await api(A, 'DELETE', 'settings/nope', { token })).status).toBe(400);
    });

    it('resets overrides (DELETE and reset[]) on both instances', async () => {
      expect((await api(B, 'DELETE', 'settings/bindIpv4Prefix', { token })).status).toBe(200);
      const put = await api<SettingsResponse>(A, 'PUT', 'settings', {
        token,
        body: { reset: ['loginMaxFailures', 'alertWebhookSecret'] },
      });
      expect(put.status).toBe(200);
      const onA = await eventually(
        () => view(A),
        (s) => find(s, 'bindIpv4Prefix')?.source === 'environment',
      );
      expect(find(onA, 'bindIpv4Prefix')).toMatchObject({ source: 'environment', value: 32 });
      expect(find(onA, 'loginMaxFailures')).toMatchObject({ source: 'environment', value: 5 });
      expect(find(onA, 'alertWebhookSecret')).toMatchObject({ isSet: false });
      expect(await cluster.db.query(`SELECT key FROM runtime_settings`)).toEqual([]);
    });

    it('overrides survive a restart (loaded at boot from PostgreSQL)', async () => {
      expect((await api(A, 'PUT', 'settings', { token, body: { values: { archiveDays: 45 } } })).status).toBe(200);
      const b = cluster.instances[1];
      await b.stop();
      const { SentinelProcess } = await import('../support/sentinel-process');
      const again = await new SentinelProcess({
        env: {
          DOWNSTREAM_URL: cluster.upstream.url,
          PG_DSN: cluster.db.dsn(),
          REDIS_ADDR: testRedisUrl(),
          REDIS_KEY_PREFIX: cluster.prefix,
        },
      }).start();
      cluster.instances[1] = again;
      B = again.url;
      expect(find(await view(B), 'archiveDays')).toMatchObject({ source: 'override', value: 45 });
    });
  });
});
