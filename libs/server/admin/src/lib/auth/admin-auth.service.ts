import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { LoginResponse } from '@sentinel/admin-contract';
import { AppConfig, AppLogger, KV_STORE, MemoryKvStore, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { AuditService } from '../audit/audit.service';
import { AdminApiError } from '../common/admin-errors';
import type { AdminPrincipal } from '../common/request-context';
import { LoginLockout, type LockoutPolicy } from './login-lockout';
import { PasswordVerifier, accountKey, passwordFingerprint } from './password';

/** The one admin account. */
export const ADMIN_ACCOUNT = 'admin';
export const JWT_ISSUER = 'sentinel';
export const JWT_AUDIENCE = 'sentinel-admin';
export const JWT_TTL_SECONDS = 12 * 3600;

export interface AdminJwtClaims {
  sub: string;
  /** passwordFingerprint(): a token outlives no password change. */
  pwd: string;
  /** Expiry (seconds since the epoch). Required: a token without one would be valid forever. */
  exp?: number;
}

const INVALID = 'Invalid username or password.';

/**
 * Login with lockout, and the verification of admin JWTs (HS256 only; exp required, iss/aud checked).
 * Unknown user and wrong password take the same path: same digest comparison, same counting
 * (per account name), same message.
 */
@Injectable()
export class AdminAuthService {
  private readonly verifier: PasswordVerifier;
  private readonly fingerprint: string;
  private readonly lockout: LoginLockout;
  /** Redis down: lockout falls back to this instance's memory (docs/degraded-modes.md: it degrades). */
  private readonly fallback: LoginLockout;

  constructor(
    config: AppConfig,
    private readonly jwt: JwtService,
    private readonly settings: RuntimeSettings,
    private readonly audit: AuditService,
    private readonly logger: AppLogger,
    @Inject(KV_STORE) kv: KvStore,
  ) {
    this.verifier = new PasswordVerifier(config.secrets.adminPassword);
    this.fingerprint = passwordFingerprint(config.secrets.jwtSecret, config.secrets.adminPassword);
    this.lockout = new LoginLockout(kv);
    this.fallback = new LoginLockout(new MemoryKvStore());
  }

  async login(password: string, username: string | undefined, ip: string | null): Promise<LoginResponse> {
    const name = (username ?? ADMIN_ACCOUNT).trim().toLowerCase() || ADMIN_ACCOUNT;
    const account = accountKey(name);
    const shownName = name === ADMIN_ACCOUNT ? ADMIN_ACCOUNT : 'unknown';
    const policy = this.policy();

    const state = await this.withLockout((l) => l.state(account));
    if (state.locked) {
      await this.audit.record({
        actor: shownName,
        action: 'auth.login_failed',
        targetType: 'account',
        targetId: shownName,
        after: { reason: 'locked' },
        ip,
      });
      throw this.locked(state.retryAfterSeconds);
    }

    // Always compare, also for an unknown user: same work, same timing.
    const passwordOk = this.verifier.matches(password);
    if (passwordOk && name === ADMIN_ACCOUNT) {
      await this.withLockout((l) => l.recordSuccess(account));
      await this.audit.record({
        actor: ADMIN_ACCOUNT,
        action: 'auth.login',
        targetType: 'account',
        targetId: ADMIN_ACCOUNT,
        ip,
      });
      return this.issue();
    }

    const outcome = await this.withLockout((l) => l.recordFailure(account, policy));
    await this.audit.record({
      actor: shownName,
      action: 'auth.login_failed',
      targetType: 'account',
      targetId: shownName,
      after: { reason: outcome.kind === 'counted' ? 'invalid_credentials' : 'locked' },
      ip,
    });
    if (outcome.kind === 'counted') throw new AdminApiError(401, 'unauthorized', INVALID);
    if (outcome.kind === 'locked_now') {
      this.logger.warn('Admin login locked after repeated failures', 'Admin', {
        account: shownName,
        lockSeconds: policy.lockSeconds,
      });
      await this.audit.record({
        actor: 'system',
        action: 'auth.locked',
        targetType: 'account',
        targetId: shownName,
        after: { failures: policy.maxFailures, windowSeconds: policy.windowSeconds, lockSeconds: policy.lockSeconds },
        ip,
      });
      // The N-th failure is still a wrong password: 401, saying when to retry.
      throw new AdminApiError(
        401,
        'unauthorized',
        `${INVALID} Too many failures: try again in ${outcome.retryAfterSeconds} s.`,
        undefined,
        outcome.retryAfterSeconds,
      );
    }
    throw this.locked(outcome.retryAfterSeconds);
  }

  /** Verifies a bearer token; throws AdminApiError(401) for anything but a valid, current one. */
  async verify(token: string): Promise<AdminPrincipal> {
    let claims: AdminJwtClaims;
    try {
      claims = await this.jwt.verifyAsync<AdminJwtClaims & object>(token, {
        algorithms: ['HS256'],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      });
    } catch {
      throw AdminApiError.unauthorized();
    }
    // jsonwebtoken checks `exp` only when present; a token without one never expires. RFC 8725
    // §3.10 asks for the claims a token type needs to be required, and ours always carries exp.
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw AdminApiError.unauthorized();
    if (claims.sub !== ADMIN_ACCOUNT || claims.pwd !== this.fingerprint) throw AdminApiError.unauthorized();
    return { actor: claims.sub };
  }

  private issue(): LoginResponse {
    const accessToken = this.jwt.sign(
      { pwd: this.fingerprint },
      {
        algorithm: 'HS256',
        subject: ADMIN_ACCOUNT,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        expiresIn: JWT_TTL_SECONDS,
      },
    );
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: JWT_TTL_SECONDS,
      expiresAt: new Date(Date.now() + JWT_TTL_SECONDS * 1000).toISOString(),
    };
  }

  private policy(): LockoutPolicy {
    const s = this.settings.current;
    return { maxFailures: s.loginMaxFailures, windowSeconds: s.loginWindowSeconds, lockSeconds: s.loginLockSeconds };
  }

  private locked(retryAfterSeconds: number): AdminApiError {
    return new AdminApiError(
      429,
      'locked',
      `Too many failed sign-ins: the account is locked. Try again in ${retryAfterSeconds} s.`,
      undefined,
      retryAfterSeconds,
    );
  }

  private async withLockout<T>(op: (l: LoginLockout) => Promise<T>): Promise<T> {
    try {
      return await op(this.lockout);
    } catch (e) {
      this.logger.warn('Login lockout store unreachable; counting in this instance only', 'Admin', {
        error: (e as Error).message,
      });
      return op(this.fallback);
    }
  }
}
