import { Inject, Injectable, Optional } from '@nestjs/common';
import { BUILTIN_ADMIN, USERNAME_PATTERN } from '@sentinel/admin-contract';
import { AppConfig, AppLogger, KV_STORE, MemoryKvStore, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { AccountsRepository, type AccountRecord } from '../accounts/accounts.repository';
import { DummyHash, SCRYPT_DEFAULT, hashPassword, verifyPassword, type ScryptParams } from '../accounts/password-hash';
import { AuditService } from '../audit/audit.service';
import { AdminApiError } from '../common/admin-errors';
import type { AdminPrincipal } from '../common/request-context';
import { API_TOKEN_PATTERN, ApiTokenService } from './api-token.service';
import { LoginLockout, type LockoutPolicy } from './login-lockout';
import { accountKey } from './password';
import { SessionService, type IssuedSession, type SessionAccount } from './session.service';

export { JWT_AUDIENCE, JWT_ISSUER } from './session.service';
/** The built-in account (ADMIN_PASSWORD). */
export const ADMIN_ACCOUNT = BUILTIN_ADMIN;

/** Injection token: scrypt parameters (tests use cheap ones; production SCRYPT_DEFAULT). */
export const SCRYPT_PARAMS = Symbol('SCRYPT_PARAMS');

const INVALID = 'Invalid username or password.';
const USERNAME = new RegExp(USERNAME_PATTERN);

/** Trims and case-folds a username (`Alice ` → `alice`); empty → the built-in admin. */
export function foldUsername(username: string | undefined): string {
  return (username ?? '').trim().toLowerCase() || BUILTIN_ADMIN;
}

/**
 * Sign-in with per-account lockout, and the verification of bearer credentials (session JWTs and
 * `sst_` API tokens). Every password check is one scrypt on the thread pool: for the built-in
 * admin against a hash of ADMIN_PASSWORD made at start-up, for an unknown, disabled or external
 * account against a dummy hash — so no refusal answers faster or differently than a wrong password.
 */
@Injectable()
export class AdminAuthService {
  private readonly lockout: LoginLockout;
  /** Redis down: lockout falls back to this instance's memory (docs/degraded-modes.md: it degrades). */
  private readonly fallback: LoginLockout;
  private readonly dummy: DummyHash;
  private readonly adminHash: Promise<string>;

  constructor(
    config: AppConfig,
    private readonly settings: RuntimeSettings,
    private readonly audit: AuditService,
    private readonly logger: AppLogger,
    @Inject(KV_STORE) kv: KvStore,
    private readonly accounts: AccountsRepository,
    private readonly sessions: SessionService,
    private readonly tokens: ApiTokenService,
    @Optional() @Inject(SCRYPT_PARAMS) private readonly params: ScryptParams = SCRYPT_DEFAULT,
  ) {
    this.lockout = new LoginLockout(kv);
    this.fallback = new LoginLockout(new MemoryKvStore());
    this.dummy = new DummyHash(this.params);
    this.adminHash = hashPassword(config.secrets.adminPassword, this.params);
    void this.dummy.get();
  }

  /** The scrypt parameters in use (account service hashes new passwords with them). */
  get scrypt(): ScryptParams {
    return this.params;
  }

  async login(password: string, username: string | undefined, ip: string | null): Promise<IssuedSession> {
    const name = foldUsername(username);
    const wellFormed = USERNAME.test(name);
    const key = accountKey(name);
    const policy = this.policy();

    const state = await this.withLockout((l) => l.state(key));
    let account: AccountRecord | null = null;
    if (wellFormed) {
      try {
        account = await this.accounts.get(name);
      } catch (e) {
        this.logger.warn('Sign-in: accounts unavailable', 'Admin', { error: (e as Error).message });
        throw new AdminApiError(503, 'unavailable', 'Sign-in is unavailable: the database does not answer.');
      }
    }
    const shownName = account ? name : 'unknown';
    if (state.locked) {
      await this.failed(shownName, 'locked', ip);
      throw this.locked(state.retryAfterSeconds);
    }

    // Always one scrypt, also for an unknown user: same work, same timing.
    const hash = account?.builtin ? await this.adminHash : (account?.passwordHash ?? null);
    const passwordOk = await verifyPassword(password, hash ?? (await this.dummy.get()));
    if (passwordOk && account && hash && !account.disabled) {
      await this.withLockout((l) => l.recordSuccess(key));
      await this.accounts.touchSignIn(name).catch(() => undefined);
      await this.audit.record({ actor: name, action: 'auth.login', targetType: 'account', targetId: name, ip });
      return this.sessions.start(sessionAccount(account), ip);
    }

    const outcome = await this.withLockout((l) => l.recordFailure(key, policy));
    await this.failed(shownName, outcome.kind === 'counted' ? 'invalid_credentials' : 'locked', ip);
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

  /** A new access token from the refresh cookie (rotating it). */
  refresh(cookie: string | undefined, ip: string | null): Promise<IssuedSession> {
    return this.sessions.refresh(
      cookie,
      async (username) => {
        const a = await this.accounts.get(username);
        return a && !a.disabled ? sessionAccount(a) : null;
      },
      async (username, sid) => {
        this.logger.warn('A rotated refresh token was reused: session revoked', 'Admin', { account: username });
        await this.audit.record({
          actor: username,
          action: 'auth.refresh_reuse',
          targetType: 'account',
          targetId: username,
          after: { session: sid },
          ip,
        });
      },
    );
  }

  /** Verifies a bearer credential; throws AdminApiError(401) for anything but a valid, live one. */
  verify(token: string, ip: string | null = null): Promise<AdminPrincipal> {
    if (API_TOKEN_PATTERN.test(token)) return this.tokens.verify(token, ip);
    return this.sessions.verify(token);
  }

  /** Checks a password of an account (own-password change); one scrypt either way. */
  async checkPassword(account: AccountRecord, password: string): Promise<boolean> {
    const hash = account.builtin ? await this.adminHash : account.passwordHash;
    const ok = await verifyPassword(password, hash ?? (await this.dummy.get()));
    return ok && hash !== null;
  }

  private async failed(shownName: string, reason: string, ip: string | null): Promise<void> {
    await this.audit.record({
      actor: shownName,
      action: 'auth.login_failed',
      targetType: 'account',
      targetId: shownName,
      after: { reason },
      ip,
    });
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

export function sessionAccount(a: AccountRecord): SessionAccount {
  return { username: a.username, role: a.role, displayName: a.displayName };
}
