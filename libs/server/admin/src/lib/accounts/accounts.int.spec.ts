import { createHmac } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import type { AuditAction } from '@sentinel/admin-contract';
import { AppLogger, type AppConfig, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { describeEachBackend, testConfig } from '@sentinel/server-storage/testing';
import type { DataSource } from 'typeorm';
import { AuditRepository } from '../audit/audit.repository';
import { AuditService } from '../audit/audit.service';
import { AdminAuthService } from '../auth/admin-auth.service';
import { ApiTokenService } from '../auth/api-token.service';
import { JWT_AUDIENCE, JWT_ISSUER, SessionService } from '../auth/session.service';
import { AdminApiError } from '../common/admin-errors';
import type { AdminPrincipal } from '../common/request-context';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { ApiTokensRepository } from './api-tokens.repository';
import { hashPassword, verifyPassword } from './password-hash';
import { SessionsRepository } from './sessions.repository';

/** Cheap scrypt for tests (production: N = 2^17; password-hash.spec.ts checks those). */
const CHEAP = { log2N: 10, r: 8, p: 1 };
const quiet = new AppLogger('error', () => undefined);

interface Stack {
  config: AppConfig;
  auth: AdminAuthService;
  sessions: SessionService;
  accounts: AccountsService;
  tokens: ApiTokenService;
  jwt: JwtService;
}

function stack(db: DataSource, kv: KvStore, config = testConfig()): Stack {
  const jwt = new JwtService({ secret: config.secrets.jwtSecret });
  const settings = new RuntimeSettings(config);
  const audit = new AuditService(new AuditRepository(db), quiet);
  const accountsRepo = new AccountsRepository(db);
  const sessions = new SessionService(config, jwt, settings, new SessionsRepository(db), quiet, kv);
  const tokens = new ApiTokenService(new ApiTokensRepository(db), audit);
  const auth = new AdminAuthService(config, settings, audit, quiet, kv, accountsRepo, sessions, tokens, CHEAP);
  const accounts = new AccountsService(accountsRepo, auth, sessions, audit);
  return { config, auth, sessions, accounts, tokens, jwt };
}

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof AdminApiError) return e.status;
    throw e;
  }
}

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, key: string | null): string {
  const head = `${b64(header)}.${b64(payload)}`;
  if (key === null) return `${head}.`;
  const alg = header['alg'] === 'HS512' ? 'sha512' : 'sha256';
  return `${head}.${createHmac(alg, key).update(head).digest('base64url')}`;
}
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

describeEachBackend('admin accounts, sessions and API tokens on %s', { kv: true }, (backend) => {
  let s: Stack;
  let adminPrincipal: AdminPrincipal;
  const who = () => ({ principal: adminPrincipal, ip: '127.0.0.1' });
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    backend().dataSource.query(sql, params) as Promise<T[]>;
  const actions = async () =>
    (await q<{ action: AuditAction }>(`SELECT action FROM admin_audit ORDER BY id`)).map((r) => r.action);

  beforeAll(async () => {
    s = stack(backend().dataSource, backend().kv);
    const login = await s.auth.login(s.config.secrets.adminPassword, undefined, '127.0.0.1');
    adminPrincipal = await s.auth.verify(login.response.accessToken);
  });
  // The harness deletes the suite's Redis keys (its own prefix) and drops its database.

  it('{password} alone signs in as the built-in admin: HS256, exp 15 min, iss/aud, role admin', async () => {
    const login = await s.auth.login(s.config.secrets.adminPassword, undefined, null);
    const [h] = login.response.accessToken.split('.').map((p) => {
      try {
        return JSON.parse(Buffer.from(p, 'base64url').toString());
      } catch {
        return null;
      }
    });
    const p = claimsOf(login.response.accessToken);
    expect(h.alg).toBe('HS256');
    expect(p).toMatchObject({ sub: 'admin', role: 'admin', iss: JWT_ISSUER, aud: JWT_AUDIENCE });
    expect(p.exp - p.iat).toBe(15 * 60);
    expect(login.response.account).toMatchObject({ username: 'admin', role: 'admin', via: 'session' });
    expect(login.refresh).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(await s.auth.verify(login.response.accessToken)).toMatchObject({ actor: 'admin', role: 'admin' });
    // `Admin ` is the same account (case-folded, trimmed).
    expect(await status(s.auth.login(s.config.secrets.adminPassword, ' Admin ', null))).toBe(200);
  });

  describe('refuses (401)', () => {
    let good: Record<string, unknown>;
    const secret = () => s.config.secrets.jwtSecret;
    const now = () => Math.floor(Date.now() / 1000);
    beforeAll(async () => {
      good = claimsOf((await s.auth.login(s.config.secrets.adminPassword, undefined, null)).response.accessToken);
    });
    it('alg none', async () => {
      expect(await status(s.auth.verify(forge({ alg: 'none', typ: 'JWT' }, good, null)))).toBe(401);
    });
    it('another algorithm (HS512 with the right key)', async () => {
      expect(await status(s.auth.verify(forge({ alg: 'HS512', typ: 'JWT' }, good, secret())))).toBe(401);
    });
    it('expired', async () => {
      const expired = { ...good, iat: now() - 100, exp: now() - 10 };
      expect(await status(s.auth.verify(forge({ alg: 'HS256', typ: 'JWT' }, expired, secret())))).toBe(401);
    });
    it('a correctly signed token without exp (RFC 8725: required claims are required)', async () => {
      const { exp: _exp, ...noExp } = good;
      expect(await status(s.auth.verify(forge({ alg: 'HS256', typ: 'JWT' }, noExp, secret())))).toBe(401);
      expect(await status(s.auth.verify(forge({ alg: 'HS256', typ: 'JWT' }, good, secret())))).toBe(200);
    });
    it('wrong issuer, audience or signature', async () => {
      expect(await status(s.auth.verify(forge({ alg: 'HS256' }, { ...good, iss: 'x' }, secret())))).toBe(401);
      expect(await status(s.auth.verify(forge({ alg: 'HS256' }, { ...good, aud: 'x' }, secret())))).toBe(401);
      expect(await status(s.auth.verify(forge({ alg: 'HS256' }, good, 'another-secret-0123456789abcdef01234')))).toBe(
        401,
      );
    });
    it('a role the token cannot have, or a token from before an ADMIN_PASSWORD change', async () => {
      expect(await status(s.auth.verify(forge({ alg: 'HS256' }, { ...good, role: 'root' }, secret())))).toBe(401);
      const changed = stack(backend().dataSource, backend().kv, testConfig({ ADMIN_PASSWORD: 'a new password!' }));
      expect(await status(changed.auth.verify(forge({ alg: 'HS256' }, good, secret())))).toBe(401);
    });
    it('garbage', async () => {
      expect(await status(s.auth.verify('a.b.c'))).toBe(401);
    });
  });

  it('creates accounts (case-folded, policy: ≥ 12 characters, not the username); duplicates are 409', async () => {
    const problems = async (body: { username: string; password: string }) => {
      const e = (await s.accounts.create({ ...body, role: 'viewer' }, who()).catch((x) => x)) as AdminApiError;
      return [e.status, e.fields?.map((f) => f.field)];
    };
    expect(await problems({ username: 'alice', password: 'short' })).toEqual([400, ['password']]);
    expect(await problems({ username: 'aliceaalicea', password: 'ALICEAALICEA' })).toEqual([400, ['password']]);
    expect(await problems({ username: 'no spaces', password: 'long enough password' })).toEqual([400, ['username']]);
    const alice = await s.accounts.create(
      { username: 'Alice', password: 'alice password 1', role: 'operator', displayName: 'Alice A.' },
      who(),
    );
    expect(alice).toMatchObject({ username: 'alice', role: 'operator', disabled: false, external: false });
    expect(alice).not.toHaveProperty('passwordHash');
    const [row] = await q<{ password_hash: string }>(
      `SELECT password_hash FROM admin_accounts WHERE username = 'alice'`,
    );
    expect(row.password_hash).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(row.password_hash).not.toContain('alice password 1');
    expect(
      await status(s.accounts.create({ username: 'ALICE', password: 'another password', role: 'viewer' }, who())),
    ).toBe(409);
    const login = await s.auth.login('alice password 1', 'ALICE', '127.0.0.1');
    expect(claimsOf(login.response.accessToken)).toMatchObject({ sub: 'alice', role: 'operator' });
    expect(await actions()).toEqual(expect.arrayContaining(['account.create', 'auth.login']));
  });

  it('an unknown user and a wrong password get the same status and message (both verified against a hash)', async () => {
    const unknown = (await s.auth.login('alice password 1', 'root', null).catch((x) => x)) as AdminApiError;
    const wrong = (await s.auth.login('wrong password!', 'alice', null).catch((x) => x)) as AdminApiError;
    expect([unknown.status, unknown.message]).toEqual([wrong.status, wrong.message]);
    expect(unknown.status).toBe(401);
  });

  it('the built-in admin cannot be deleted, demoted, or disabled while it is the only admin', async () => {
    expect(await status(s.accounts.delete('admin', who()))).toBe(409);
    expect(await status(s.accounts.update('admin', { role: 'viewer' }, who()))).toBe(409);
    expect(await status(s.accounts.update('admin', { disabled: true }, who()))).toBe(409);
    await s.accounts.create({ username: 'bob', password: 'bob password 12', role: 'admin' }, who());
    expect((await s.accounts.update('admin', { disabled: true }, who())).disabled).toBe(true);
    expect(await status(s.auth.login(s.config.secrets.adminPassword, undefined, null))).toBe(401);
    // Its sessions were revoked with it.
    expect(await status(s.auth.verify((await tokenOf('bob', 'bob password 12')).response.accessToken))).toBe(200);
    expect(await status(s.accounts.update('bob', { disabled: true }, who()))).toBe(409); // the last enabled admin
    await s.accounts.update('admin', { disabled: false }, who());
    expect(await status(s.auth.login(s.config.secrets.adminPassword, undefined, null))).toBe(200);
  });

  async function tokenOf(username: string, password: string) {
    return s.auth.login(password, username, null);
  }

  it('disabling, a role change and a password reset revoke the account’s sessions at once', async () => {
    for (const change of [{ disabled: true }, { role: 'viewer' as const }, { password: 'a brand new password' }]) {
      await s.accounts.update('alice', { disabled: false, role: 'operator', password: 'alice password 1' }, who());
      const session = await tokenOf('alice', 'alice password 1');
      expect(await status(s.auth.verify(session.response.accessToken))).toBe(200);
      await s.accounts.update('alice', change, who());
      expect({ change, status: await status(s.auth.verify(session.response.accessToken)) }).toEqual({
        change,
        status: 401,
      });
      expect(await status(s.auth.refresh(session.refresh, null))).toBe(401);
    }
    await s.accounts.update('alice', { disabled: false, role: 'operator', password: 'alice password 1' }, who());
  });

  it('the refresh token rotates on every use; reusing a rotated one revokes the whole family', async () => {
    const first = await tokenOf('alice', 'alice password 1');
    const second = await s.auth.refresh(first.refresh, null);
    expect(second.refresh).not.toBe(first.refresh);
    expect(second.refresh.split('.')[0]).toBe(first.refresh.split('.')[0]);
    const third = await s.auth.refresh(second.refresh, null);
    expect(await status(s.auth.verify(third.response.accessToken))).toBe(200);
    // The rotated-away `first` comes back: the family (and every access token of it) is revoked.
    expect(await status(s.auth.refresh(first.refresh, null))).toBe(401);
    expect(await status(s.auth.verify(third.response.accessToken))).toBe(401);
    expect(await status(s.auth.refresh(third.refresh, null))).toBe(401);
    expect(await actions()).toContain('auth.refresh_reuse');
  });

  it('sign out everywhere revokes every session; another instance (its own services) refuses them too', async () => {
    const a = await tokenOf('alice', 'alice password 1');
    const b = await tokenOf('alice', 'alice password 1');
    const other = stack(await backend().anotherDataSource(), await backend().anotherKv());
    expect(await status(other.auth.verify(a.response.accessToken))).toBe(200);
    expect(await s.sessions.revokeAccount('alice', 'sign_out_everywhere')).toBeGreaterThanOrEqual(2);
    expect(await status(other.auth.verify(a.response.accessToken))).toBe(401);
    expect(await status(other.auth.verify(b.response.accessToken))).toBe(401);
  });

  it('a revocation Redis lost is still listed by PostgreSQL for the copy-back after an outage', async () => {
    const a = await tokenOf('alice', 'alice password 1');
    const sid = claimsOf(a.response.accessToken).sid as string;
    await s.sessions.revoke([sid], 'sign_out');
    await backend().kv.del(`admin:session:revoked:${sid}`); // stands in for Redis losing it
    expect(await status(s.auth.verify(a.response.accessToken))).toBe(200);
    expect(await new SessionsRepository(backend().dataSource).recentlyRevoked(3600)).toContain(sid);
  });

  it('own password change needs the current password and revokes every session', async () => {
    const session = await tokenOf('alice', 'alice password 1');
    const me = await s.auth.verify(session.response.accessToken);
    const change = (currentPassword: string, newPassword: string) =>
      s.accounts.changeOwn({ currentPassword, newPassword }, { principal: me, ip: null });
    expect(await status(change('not it at all', 'alice password 2'))).toBe(400);
    expect(await status(change('alice password 1', 'short'))).toBe(400);
    expect(await change('alice password 1', 'alice password 2')).toEqual({ revoked: 1 });
    expect(await status(s.auth.verify(session.response.accessToken))).toBe(401);
    expect(await status(tokenOf('alice', 'alice password 2'))).toBe(200);
    expect(await status(s.accounts.changeOwn({ currentPassword: 'x', newPassword: 'y' }, who()))).toBe(409);
  });

  it('API tokens: role ≤ own, shown once, stored as a hash, last use recorded, revocable', async () => {
    const vera = await s.accounts.create({ username: 'vera', password: 'vera password 1', role: 'operator' }, who());
    const veraP = await s.auth.verify((await tokenOf(vera.username, 'vera password 1')).response.accessToken);
    expect(await status(s.tokens.create({ name: 'too much', role: 'admin', expiresInDays: 30 }, veraP, null))).toBe(
      403,
    );
    const created = await s.tokens.create(
      { name: 'ci deploy', role: 'viewer', expiresInDays: 30 },
      adminPrincipal,
      null,
    );
    expect(created.secret).toMatch(/^sst_[A-Za-z0-9_-]{43}$/);
    const rows = await q<{ token_hash: string; prefix: string }>(`SELECT token_hash, prefix FROM admin_api_tokens`);
    expect(JSON.stringify(rows)).not.toContain(created.secret);
    const p = await s.auth.verify(created.secret, '192.0.2.7');
    expect(p).toMatchObject({ actor: 'ci deploy (admin)', username: 'admin', role: 'viewer', via: 'api_token' });
    const [listed] = (await s.tokens.list()).filter((t) => t.id === created.token.id);
    expect(listed).toMatchObject({ lastUsedIp: '192.0.2.7' });
    expect(listed.lastUsedAt).not.toBeNull();
    await s.tokens.revoke(created.token.id, adminPrincipal, null);
    expect(await status(s.auth.verify(created.secret))).toBe(401);
    expect(await actions()).toEqual(expect.arrayContaining(['token.create', 'token.revoke']));
  });

  it('deleting an account ends its sessions and its tokens', async () => {
    const session = await tokenOf('vera', 'vera password 1');
    const veraP = await s.auth.verify(session.response.accessToken);
    const t = await s.tokens.create({ name: 'vera bot', role: 'viewer', expiresInDays: 1 }, veraP, null);
    await s.accounts.delete('vera', who());
    expect(await status(s.auth.verify(session.response.accessToken))).toBe(401);
    expect(await status(s.auth.verify(t.secret))).toBe(401);
    expect(await actions()).toContain('account.delete');
  });
});

describe('scrypt password hashes', () => {
  it('verify the right password only, with the parameters stored alongside', async () => {
    const h = await hashPassword('correct horse battery', CHEAP);
    expect(h.split('$').slice(0, 4)).toEqual(['scrypt', '10', '8', '1']);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });
  it('default to N = 2^17, r = 8, p = 1 (OWASP) and work within maxmem', async () => {
    const h = await hashPassword('correct horse battery');
    expect(h.split('$').slice(0, 4)).toEqual(['scrypt', '17', '8', '1']);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
  });
});
