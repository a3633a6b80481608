import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AdminRole, LoginResponse, MeResponse } from '@sentinel/admin-contract';
import { ADMIN_ROLES, BUILTIN_ADMIN } from '@sentinel/admin-contract';
import { AppConfig, AppLogger, KV_STORE, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { SessionsRepository } from '../accounts/sessions.repository';
import { AdminApiError } from '../common/admin-errors';
import type { AdminPrincipal } from '../common/request-context';
import { passwordFingerprint } from './password';

export const JWT_ISSUER = 'sentinel';
export const JWT_AUDIENCE = 'sentinel-admin';
/** A session (refresh-token family) ends this long after its sign-in, refreshed or not. */
export const SESSION_TTL_SECONDS = 12 * 3600;

export interface AdminJwtClaims {
  sub: string;
  /** The session (refresh family) this token belongs to: what revocation names. */
  sid: string;
  role: AdminRole;
  /** Built-in admin only: passwordFingerprint(); a token outlives no ADMIN_PASSWORD change. */
  pwd?: string;
  jti: string;
  /** Expiry (seconds since the epoch). Required: a token without one would be valid forever. */
  exp?: number;
}

export interface SessionAccount {
  username: string;
  role: AdminRole;
  displayName: string | null;
}

export interface IssuedSession {
  response: LoginResponse;
  /** The refresh cookie's value: `<session id>.<secret>`. */
  refresh: string;
}

const revokedKey = (sid: string) => `admin:session:revoked:${sid}`;
const sha256 = (v: string) => createHash('sha256').update(v, 'utf8').digest('base64url');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Sessions: a short-lived access JWT (HS256, exp required, `accessTokenMinutes`) and a refresh
 * secret that rotates on every use. Each sign-in is one session row in PostgreSQL (the durable
 * revocation list); a revocation is also written to Redis, which every instance reads on every
 * admin request, so it takes effect everywhere at once. Presenting a refresh secret that was
 * already rotated away revokes the whole session (RFC 6819 §5.2.2.3; OAuth 2.0 Security BCP).
 */
@Injectable()
export class SessionService implements OnModuleInit, OnModuleDestroy {
  private readonly fingerprint: string;
  private stopListening: (() => void) | null = null;

  constructor(
    config: AppConfig,
    private readonly jwt: JwtService,
    private readonly settings: RuntimeSettings,
    private readonly sessions: SessionsRepository,
    private readonly logger: AppLogger,
    @Inject(KV_STORE) private readonly kv: KvStore,
  ) {
    this.fingerprint = passwordFingerprint(config.secrets.jwtSecret, config.secrets.adminPassword);
  }

  /**
   * Redis back after an outage: revocations written meanwhile went to PostgreSQL only. Copy the
   * recent ones (a session lives SESSION_TTL_SECONDS at most) so Redis is complete again.
   */
  onModuleInit(): void {
    this.stopListening = this.kv.onResubscribed(() => {
      this.sessions
        .recentlyRevoked(SESSION_TTL_SECONDS)
        .then((ids) => this.publish(ids))
        .catch((e: unknown) =>
          this.logger.warn('Session revocations not copied to Redis', 'Admin', { error: (e as Error).message }),
        );
    });
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  async start(account: SessionAccount, ip: string | null): Promise<IssuedSession> {
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    await this.sessions.insert({
      id,
      username: account.username,
      refreshHash: sha256(secret),
      expiresAt: new Date(Date.now() + SESSION_TTL_SECONDS * 1000),
      ip,
    });
    return { response: this.access(account, id), refresh: `${id}.${secret}` };
  }

  /**
   * A new access token and refresh secret for a refresh cookie. `load` gives the account's current
   * state (null: gone or disabled). `onReuse` runs when a rotated secret comes back.
   */
  async refresh(
    cookie: string | undefined,
    load: (username: string) => Promise<SessionAccount | null>,
    onReuse: (username: string, sid: string) => Promise<void>,
  ): Promise<IssuedSession> {
    const [id, secret] = (cookie ?? '').split('.');
    if (!id || !secret || !UUID.test(id) || secret.length > 128) throw AdminApiError.unauthorized();
    const row = await this.sessions.get(id);
    if (!row || row.revoked_at !== null || new Date(row.expires_at).getTime() <= Date.now())
      throw AdminApiError.unauthorized();
    const presented = Buffer.from(sha256(secret));
    const current = Buffer.from(row.refresh_hash);
    const next = randomBytes(32).toString('base64url');
    const matches = presented.length === current.length && timingSafeEqual(presented, current);
    if (!matches || !(await this.sessions.rotate(id, row.refresh_hash, sha256(next)))) {
      // A secret of this session, but not its current one: it was rotated away, so two parties
      // hold the family. Neither is trusted any more.
      await this.revoke([id], 'refresh_reuse');
      await onReuse(row.username, id);
      throw AdminApiError.unauthorized('This sign-in was revoked: its refresh token was used twice.');
    }
    const account = await load(row.username);
    if (!account) {
      await this.revoke([id], 'account_unavailable');
      throw AdminApiError.unauthorized();
    }
    return { response: this.access(account, id), refresh: `${id}.${next}` };
  }

  /** Revokes sessions by id; returns how many were live. */
  async revoke(ids: readonly string[], reason: string): Promise<number> {
    const live = await this.sessions.revoke(ids, reason);
    await this.publish(ids);
    return live.length;
  }

  /** Revokes every session of an account. */
  async revokeAccount(username: string, reason: string): Promise<number> {
    const live = await this.sessions.revokeAccount(username, reason);
    await this.publish(live);
    return live.length;
  }

  /** Verifies an access JWT; throws AdminApiError(401) for anything but a valid, live one. */
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
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || !UUID.test(claims.sid))
      throw AdminApiError.unauthorized();
    if (!ADMIN_ROLES.includes(claims.role)) throw AdminApiError.unauthorized();
    if (claims.sub === BUILTIN_ADMIN && claims.pwd !== this.fingerprint) throw AdminApiError.unauthorized();
    if (await this.isRevoked(claims.sid)) throw AdminApiError.unauthorized();
    return { actor: claims.sub, username: claims.sub, role: claims.role, via: 'session', sessionId: claims.sid };
  }

  private access(account: SessionAccount, sid: string): LoginResponse {
    const ttl = this.settings.current.accessTokenMinutes * 60;
    const payload: Omit<AdminJwtClaims, 'sub' | 'exp' | 'jti'> = { sid, role: account.role };
    if (account.username === BUILTIN_ADMIN) payload.pwd = this.fingerprint;
    const accessToken = this.jwt.sign(payload, {
      algorithm: 'HS256',
      subject: account.username,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      expiresIn: ttl,
      jwtid: randomUUID(),
    });
    const me: MeResponse = {
      username: account.username,
      role: account.role,
      displayName: account.displayName,
      via: 'session',
      tokenName: null,
    };
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: ttl,
      expiresAt: new Date(Date.now() + ttl * 1000).toISOString(),
      account: me,
    };
  }

  /**
   * Redis first (every instance reads the same keys: a revocation counts everywhere at once);
   * with Redis unreachable, the session row in PostgreSQL decides.
   */
  private async isRevoked(sid: string): Promise<boolean> {
    try {
      return (await this.kv.get(revokedKey(sid))) !== null;
    } catch {
      try {
        return await this.sessions.isRevoked(sid);
      } catch {
        // Neither store answers: refuse rather than honour a token that may be revoked.
        return true;
      }
    }
  }

  private async publish(ids: readonly string[]): Promise<void> {
    try {
      await Promise.all(
        ids.map((id) => this.kv.set(revokedKey(id), '1', { ttlMs: (SESSION_TTL_SECONDS + 3600) * 1000 })),
      );
    } catch (e) {
      // PostgreSQL holds the revocation; refresh reads it, so the session ends when its access
      // token expires at the latest (accessTokenMinutes).
      this.logger.warn('Session revocation not written to Redis', 'Admin', { error: (e as Error).message });
    }
  }
}
