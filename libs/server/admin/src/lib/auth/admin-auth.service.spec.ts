import { createHmac } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { AppConfig, AppLogger, MemoryKvStore } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import type { AuditInput, AuditService } from '../audit/audit.service';
import { AdminApiError } from '../common/admin-errors';
import { AdminAuthService, JWT_AUDIENCE, JWT_ISSUER } from './admin-auth.service';

const SECRET = 'unit-jwt-secret-0123456789abcdef0123456789abcdef';

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, key: string | null): string {
  const head = `${b64(header)}.${b64(payload)}`;
  if (key === null) return `${head}.`;
  return `${head}.${createHmac(header['alg'] === 'HS512' ? 'sha512' : 'sha256', key)
    .update(head)
    .digest('base64url')}`;
}

function setUp(password = 'correct horse battery') {
  const config = {
    secrets: { jwtSecret: SECRET, adminPassword: password, hmacSecret: 'x' },
    failsafeMode: 'closed',
    alert: {},
    archive: { days: 30 },
  } as unknown as AppConfig;
  const audits: AuditInput[] = [];
  const audit = { record: async (e: AuditInput) => void audits.push(e) } as unknown as AuditService;
  const jwt = new JwtService({ secret: SECRET });
  const service = new AdminAuthService(
    config,
    jwt,
    new RuntimeSettings(config),
    audit,
    new AppLogger('error', () => undefined),
    new MemoryKvStore(),
  );
  return { service, audits, jwt };
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

describe('AdminAuthService', () => {
  it('issues an HS256 token with exp, iss, aud that verify() accepts', async () => {
    const { service, audits } = setUp();
    const login = await service.login('correct horse battery', undefined, '127.0.0.1');
    const [h, p] = login.accessToken
      .split('.')
      .slice(0, 2)
      .map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()));
    expect(h.alg).toBe('HS256');
    expect(p).toMatchObject({ sub: 'admin', iss: JWT_ISSUER, aud: JWT_AUDIENCE });
    expect(p.exp - p.iat).toBe(12 * 3600);
    expect(await service.verify(login.accessToken)).toEqual({ actor: 'admin' });
    expect(audits.map((a) => a.action)).toEqual(['auth.login']);
  });

  describe('refuses (401)', () => {
    const now = () => Math.floor(Date.now() / 1000);
    let good: Record<string, unknown>;
    let service: AdminAuthService;
    beforeAll(async () => {
      ({ service } = setUp());
      const t = await service.login('correct horse battery', undefined, null);
      good = JSON.parse(Buffer.from(t.accessToken.split('.')[1], 'base64url').toString());
    });

    it('alg none', async () => {
      expect(await status(service.verify(forge({ alg: 'none', typ: 'JWT' }, good, null)))).toBe(401);
    });
    it('another algorithm (HS512 with the right key)', async () => {
      expect(await status(service.verify(forge({ alg: 'HS512', typ: 'JWT' }, good, SECRET)))).toBe(401);
    });
    it('expired', async () => {
      expect(
        await status(
          service.verify(forge({ alg: 'HS256', typ: 'JWT' }, { ...good, iat: now() - 100, exp: now() - 10 }, SECRET)),
        ),
      ).toBe(401);
    });
    it('a correctly signed token without exp (RFC 8725: required claims are required)', async () => {
      const { exp: _exp, ...noExp } = good;
      expect(noExp).not.toHaveProperty('exp');
      expect(await status(service.verify(forge({ alg: 'HS256', typ: 'JWT' }, noExp, SECRET)))).toBe(401);
      // The same claims with exp are accepted: only the missing exp is refused.
      expect(await status(service.verify(forge({ alg: 'HS256', typ: 'JWT' }, good, SECRET)))).toBe(200);
    });
    it('wrong signature', async () => {
      expect(
        await status(
          service.verify(forge({ alg: 'HS256', typ: 'JWT' }, good, 'another-secret-0123456789abcdef0123456789')),
        ),
      ).toBe(401);
    });
    it('wrong issuer or audience', async () => {
      expect(await status(service.verify(forge({ alg: 'HS256' }, { ...good, iss: 'x' }, SECRET)))).toBe(401);
      expect(await status(service.verify(forge({ alg: 'HS256' }, { ...good, aud: 'x' }, SECRET)))).toBe(401);
    });
    it('a token from before a password change', async () => {
      const { service: changed } = setUp('a new password!');
      expect(await status(changed.verify(forge({ alg: 'HS256' }, good, SECRET)))).toBe(401);
      expect(await status(service.verify(forge({ alg: 'HS256' }, good, SECRET)))).toBe(200);
    });
    it('garbage', async () => {
      expect(await status(service.verify('a.b.c'))).toBe(401);
    });
  });

  it('locks after N failures; while locked the right password is refused; all audited', async () => {
    const { service, audits } = setUp();
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push(await status(service.login('wrong', undefined, null)));
    expect(codes).toEqual([401, 401, 401, 401, 401]);
    const locked = await service.login('correct horse battery', undefined, null).catch((e: AdminApiError) => e);
    expect(locked).toBeInstanceOf(AdminApiError);
    expect((locked as AdminApiError).status).toBe(429);
    expect((locked as AdminApiError).retryAfterSeconds).toBeGreaterThan(0);
    expect(audits.filter((a) => a.action === 'auth.locked')).toHaveLength(1);
    expect(audits.filter((a) => a.action === 'auth.login_failed')).toHaveLength(6);
  });

  it('an unknown user with the right password is refused like a wrong password', async () => {
    const { service } = setUp();
    const e = (await service
      .login('correct horse battery', 'root', null)
      .catch((x: AdminApiError) => x)) as AdminApiError;
    const w = (await service.login('wrong', 'admin', null).catch((x: AdminApiError) => x)) as AdminApiError;
    expect([e.status, e.message]).toEqual([w.status, w.message]);
  });
});
