import type {
  AdminErrorBody,
  AdminOperationName,
  AdminRole,
  CreateApiTokenResponse,
  LoginResponse,
} from '@sentinel/admin-contract';
import { describeWithServices } from '@sentinel/testing-support';
import { TEST_SECRETS } from '../support/sentinel-process';
import { api, login, startCluster, type AdminCluster, type JsonResult } from './admin-support';

/**
 * The weakest role of every admin operation, written out here on purpose (not read from the
 * document under test): an operation the OpenAPI description has and this table lacks fails the
 * matrix, so a new route cannot ship without a decision about who may call it.
 */
const EXPECTED_ROLE: Record<AdminOperationName, AdminRole | 'public'> = {
  login: 'public',
  refreshSession: 'public',
  oidcConfig: 'public',
  oidcStart: 'public',
  oidcCallback: 'public',
  me: 'viewer',
  logout: 'viewer',
  logoutAll: 'viewer',
  changeOwnPassword: 'viewer',
  dashboard: 'viewer',
  listBindings: 'viewer',
  getBinding: 'viewer',
  listLogs: 'viewer',
  exportLogs: 'viewer',
  listAudit: 'viewer',
  getSettings: 'viewer',
  status: 'viewer',
  listAlertDeliveries: 'viewer',
  listArchiveRuns: 'viewer',
  openapi: 'viewer',
  prebind: 'operator',
  bulkBindings: 'operator',
  setLabel: 'operator',
  lookupBinding: 'operator',
  unbind: 'operator',
  setRule: 'operator',
  ban: 'operator',
  unban: 'operator',
  updateSettings: 'admin',
  resetSetting: 'admin',
  testAlert: 'admin',
  runArchive: 'admin',
  listAccounts: 'admin',
  createAccount: 'admin',
  updateAccount: 'admin',
  deleteAccount: 'admin',
  listApiTokens: 'admin',
  createApiToken: 'admin',
  revokeApiToken: 'admin',
};
const RANK: Record<AdminRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** Path parameters and bodies that pass validation (the guard runs first either way). */
const PATH_SAMPLES: Record<string, string> = {
  id: '1',
  key: 'failsafeMode',
  username: 'nobody-here',
};
const BODY_SAMPLES: Partial<Record<AdminOperationName, unknown>> = {
  changeOwnPassword: { currentPassword: 'not the current one', newPassword: 'a long new password' },
  createAccount: { username: 'matrix-made', password: 'short', role: 'viewer' },
  updateAccount: { displayName: 'x' },
  createApiToken: { name: 'matrix', role: 'viewer', expiresInDays: 1 },
  prebind: { keys: [] },
  bulkBindings: { action: 'ban', ids: [] },
  setLabel: { id: '1', label: 'x' },
  lookupBinding: { key: 'sk-nothing-bound-here-000000000000' },
  unbind: { id: '1' },
  setRule: { id: '1', ruleKind: 'single', entries: ['10.0.0.1'] },
  ban: { id: '1' },
  unban: { id: '1' },
  updateSettings: { values: {} },
};

interface Operation {
  name: AdminOperationName;
  method: string;
  path: string;
  role: AdminRole | undefined;
  sessionOnly: boolean;
}

type Caller = 'anonymous' | AdminRole | 'api token (operator)';
const CALLERS: Caller[] = ['anonymous', 'viewer', 'operator', 'admin', 'api token (operator)'];

describeWithServices(['postgres', 'redis'], 'admin accounts and roles (two instances)', () => {
  let cluster: AdminCluster | null = null;
  let A = '';
  let B = '';
  let admin = '';

  const as = async (username: string, password: string, base = A): Promise<JsonResult<LoginResponse>> => {
    const r = await api<LoginResponse>(base, 'POST', 'login', { body: { username, password } });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.body}`);
    return r;
  };
  const createAccount = async (username: string, role: AdminRole) => {
    const r = await api(A, 'POST', 'accounts', {
      token: admin,
      body: { username, password: `${username} password!`, role },
    });
    expect(r.status).toBe(201);
  };

  beforeAll(async () => {
    cluster = await startCluster(2);
    if (!cluster) return;
    [A, B] = cluster.instances.map((i) => i.url);
    admin = await login(A);
    await createAccount('vic', 'viewer');
    await createAccount('otto', 'operator');
    await createAccount('ada', 'admin');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('ADMIN_PASSWORD alone still signs in as admin, with a refresh cookie: HttpOnly; Secure; SameSite=Strict; /admin/api/', async () => {
    const r = await api<LoginResponse>(A, 'POST', 'login', { body: { password: TEST_SECRETS.ADMIN_PASSWORD } });
    expect(r.status).toBe(200);
    expect(r.json.account).toMatchObject({ username: 'admin', role: 'admin' });
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/^sentinel_refresh=[0-9a-f-]{36}\.[A-Za-z0-9_-]{43};/);
    for (const attr of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/admin/api/'])
      expect(cookie.split('; ')).toContain(attr);
    const me = await api(A, 'GET', 'me', { token: r.json.accessToken });
    expect(me.json).toMatchObject({ username: 'admin', role: 'admin', via: 'session' });
  });

  it('role matrix: every route of the OpenAPI description × {anonymous, viewer, operator, admin, API token}', async () => {
    const doc = (
      await api<{ paths: Record<string, Record<string, Record<string, unknown>>> }>(A, 'GET', 'openapi.json', {
        token: admin,
      })
    ).json;
    // A binding for the routes that take one (GETs run first, before unbind removes it).
    const pre = await api<{ created: Array<{ id: string }> }>(A, 'POST', 'bindings', {
      token: admin,
      body: { keys: ['sk-matrix-binding-0000000000000000000000'], ruleKind: 'all', entries: [] },
    });
    expect(pre.json.created).toHaveLength(1);
    PATH_SAMPLES['id'] = pre.json.created[0].id;
    const ops: Operation[] = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        name: op['operationId'] as AdminOperationName,
        method: method.toUpperCase(),
        path: path.replace(/^\/admin\/api\//, '').replace(/\{(\w+)\}/g, (_, k: string) => PATH_SAMPLES[k]),
        role: op['x-required-role'] as AdminRole | undefined,
        sessionOnly: op['x-session-only'] === true,
      })),
    );
    // Nothing undeclared, nothing the table does not know.
    expect(ops.filter((o) => !(o.name in EXPECTED_ROLE)).map((o) => o.name)).toEqual([]);
    expect(ops.map((o) => o.name).sort()).toEqual(Object.keys(EXPECTED_ROLE).sort());
    for (const o of ops)
      expect({ op: o.name, role: o.role ?? 'public' }).toEqual({ op: o.name, role: EXPECTED_ROLE[o.name] });

    // Owned by ada, not by the suite's admin: its logoutAll below ends its owner's sessions.
    const adaFirst = (await as('ada', 'ada password!')).json.accessToken;
    const token = await api<CreateApiTokenResponse>(A, 'POST', 'tokens', {
      token: adaFirst,
      body: { name: 'matrix bot', role: 'operator', expiresInDays: 1 },
    });
    expect(token.status).toBe(201);
    const sessions: Record<AdminRole, string> = {
      viewer: (await as('vic', 'vic password!')).json.accessToken,
      operator: (await as('otto', 'otto password!')).json.accessToken,
      admin: (await as('ada', 'ada password!')).json.accessToken,
    };
    const credential = async (caller: Caller, op: Operation): Promise<string | undefined> => {
      if (caller === 'anonymous') return undefined;
      if (caller === 'api token (operator)') return token.json.secret;
      // Sign-out ends the session it is called with: those get a fresh one each.
      if (op.name === 'logout' || op.name === 'logoutAll')
        return (
          await as(
            { viewer: 'vic', operator: 'otto', admin: 'ada' }[caller],
            `${{ viewer: 'vic', operator: 'otto', admin: 'ada' }[caller]} password!`,
          )
        ).json.accessToken;
      return sessions[caller];
    };
    // Reads first (unbind removes the sample binding), sign-outs last.
    const rank = (o: Operation) => (o.name.startsWith('logout') ? 2 : o.method === 'GET' ? 0 : 1);
    const ordered = [...ops].sort((x, y) => rank(x) - rank(y));

    const rows: string[] = [];
    const wrong: string[] = [];
    for (const op of ordered) {
      if (!op.role) continue; // public: login and refresh, covered by their own tests
      for (const caller of CALLERS) {
        const bearer = await credential(caller, op);
        const r = await api<AdminErrorBody>(A, op.method, op.path, {
          token: bearer,
          body: BODY_SAMPLES[op.name] ?? (op.method === 'GET' || op.method === 'DELETE' ? undefined : {}),
        });
        const callerRole: AdminRole | null =
          caller === 'anonymous' ? null : caller === 'api token (operator)' ? 'operator' : caller;
        const expected =
          callerRole === null
            ? '401'
            : RANK[callerRole] < RANK[op.role] || (caller.startsWith('api token') && op.sessionOnly)
              ? '403'
              : op.method === 'GET'
                ? '2xx'
                : 'allowed';
        const got =
          r.status === 401 || r.status === 403
            ? String(r.status)
            : r.status >= 200 && r.status < 300
              ? op.method === 'GET'
                ? '2xx'
                : 'allowed'
              : r.status < 500 && op.method !== 'GET'
                ? 'allowed'
                : `HTTP ${r.status}`;
        rows.push(`${op.name} × ${caller}: ${r.status}`);
        if (got !== expected)
          wrong.push(
            `${op.method} ${op.path} (${op.name}) as ${caller}: expected ${expected}, got ${r.status} ${r.body.slice(0, 120)}`,
          );
        if (r.status === 403) expect(r.json.error.code).toBe('forbidden');
      }
    }
    expect(wrong).toEqual([]);
    expect(rows.length).toBe(ops.filter((o) => o.role).length * CALLERS.length);
  }, 180_000);

  it('disabling an account makes its tokens fail on the other instance at once', async () => {
    await createAccount('dana', 'operator');
    const session = (await as('dana', 'dana password!', A)).json.accessToken;
    expect((await api(B, 'GET', 'me', { token: session })).status).toBe(200);
    const started = Date.now();
    expect((await api(A, 'PUT', 'accounts/dana', { token: admin, body: { disabled: true } })).status).toBe(200);
    // The very first request on B after the change returns is refused (Redis holds the revocation).
    const onB = await api<AdminErrorBody>(B, 'GET', 'me', { token: session });
    const ms = Date.now() - started;
    expect(onB.status).toBe(401);
    process.stdout.write(`disable → refused on the other instance: ${ms} ms after the change was sent\n`);
    expect((await api(B, 'POST', 'login', { body: { username: 'dana', password: 'dana password!' } })).status).toBe(
      401,
    );
  });

  it('sign out everywhere ends every session of the account on both instances', async () => {
    const one = (await as('otto', 'otto password!', A)).json.accessToken;
    const two = (await as('otto', 'otto password!', B)).json.accessToken;
    const out = await api<{ revoked: number }>(B, 'POST', 'session/logout-all', { token: two });
    expect(out.status).toBe(200);
    expect(out.json.revoked).toBeGreaterThanOrEqual(2);
    expect((await api(A, 'GET', 'me', { token: one })).status).toBe(401);
    expect((await api(B, 'GET', 'me', { token: two })).status).toBe(401);
  });

  it('the refresh cookie rotates across instances; reusing a rotated one revokes the family', async () => {
    const cookieOf = (r: JsonResult) => String(r.headers['set-cookie']).split(';')[0];
    const first = await as('ada', 'ada password!', A);
    const c1 = cookieOf(first);
    const second = await api<LoginResponse>(B, 'POST', 'session/refresh', { headers: { cookie: c1 } });
    expect(second.status).toBe(200);
    const c2 = cookieOf(second);
    expect(c2).not.toBe(c1);
    expect((await api(A, 'GET', 'me', { token: second.json.accessToken })).status).toBe(200);
    // c1 was rotated away: presenting it again revokes the family, c2 and its access token too.
    const reuse = await api<AdminErrorBody>(A, 'POST', 'session/refresh', { headers: { cookie: c1 } });
    expect(reuse.status).toBe(401);
    expect(String(reuse.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await api(B, 'GET', 'me', { token: second.json.accessToken })).status).toBe(401);
    expect((await api(B, 'POST', 'session/refresh', { headers: { cookie: c2 } })).status).toBe(401);
    const audit = await api<{ items: Array<{ actor: string }> }>(A, 'GET', 'audit?action=auth.refresh_reuse', {
      token: admin,
    });
    expect(audit.json.items.map((i) => i.actor)).toEqual(['ada']);
  });

  it('an API token works as Bearer sst_… and is audited as "<name> (<owner>)" with its address', async () => {
    const t = await api<CreateApiTokenResponse>(A, 'POST', 'tokens', {
      token: admin,
      body: { name: 'ci', role: 'admin', expiresInDays: 365 },
    });
    expect(t.status).toBe(201);
    const r = await api(B, 'PUT', 'settings', {
      token: t.json.secret,
      body: { values: { accessTokenMinutes: 20 } },
      from: '127.0.0.9',
    });
    expect(r.status).toBe(200);
    const audit = await api<{ items: Array<{ actor: string; ip: string }> }>(A, 'GET', 'audit?actor=ci%20(admin)', {
      token: admin,
    });
    expect(audit.json.items[0]).toMatchObject({ actor: 'ci (admin)', ip: '127.0.0.9' });
    const listed = await api<{ items: Array<{ id: string; lastUsedIp: string | null }> }>(A, 'GET', 'tokens', {
      token: admin,
    });
    expect(listed.json.items.find((i) => i.id === t.json.token.id)?.lastUsedIp).toBe('127.0.0.9');
    expect(JSON.stringify(listed.json)).not.toContain(t.json.secret);
    expect((await api(A, 'DELETE', `tokens/${t.json.token.id}`, { token: admin })).status).toBe(200);
    expect((await api(B, 'GET', 'me', { token: t.json.secret })).status).toBe(401);
    expect(
      (await api(A, 'POST', 'tokens', { token: admin, body: { name: 'x', role: 'viewer', expiresInDays: 400 } }))
        .status,
    ).toBe(400);
  });
});
