import { Inject, Injectable } from '@nestjs/common';
import { ADMIN_ROLES, USERNAME_PATTERN, type AdminRole, type OidcCallbackQuery } from '@sentinel/admin-contract';
import { AppConfig, AppLogger, KV_STORE, type KvStore, type OidcConfig } from '@sentinel/server-core';
import type * as OpenIdClient from 'openid-client';
import { AccountsRepository } from '../accounts/accounts.repository';
import { AuditService } from '../audit/audit.service';
import { sessionAccount } from './admin-auth.service';
import { SessionService, type IssuedSession } from './session.service';

const FLOW_TTL_MS = 10 * 60_000;

/**
 * openid-client is an ES module: loaded when single sign-on is first used (Node ≥ 20.19 loads it
 * from the CommonJS build), so the unit-test runner, which cannot, never touches it.
 */
let library: Promise<typeof OpenIdClient> | null = null;
const openIdClient = () => (library ??= import('openid-client'));
const flowKey = (state: string) => `admin:oidc:flow:${state}`;
const USERNAME = new RegExp(USERNAME_PATTERN);
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export type OidcOutcome =
  | { ok: true; session: IssuedSession; username: string; role: AdminRole }
  | { ok: false; reason: string };

/** The highest role any of the claim's values maps to; null when none does. */
export function mappedRole(claim: unknown, map: Readonly<Record<string, string>>): AdminRole | null {
  const values = Array.isArray(claim) ? claim : claim === undefined || claim === null ? [] : [claim];
  let best = -1;
  for (const v of values) {
    const role = typeof v === 'string' ? map[v] : undefined;
    const rank = role ? ADMIN_ROLES.indexOf(role as AdminRole) : -1;
    if (rank > best) best = rank;
  }
  return best < 0 ? null : ADMIN_ROLES[best];
}

/** An account name from the ID token: preferred_username, else email, else sub; folded to the pattern. */
export function usernameFrom(claims: Record<string, unknown>): string | null {
  for (const c of [claims['preferred_username'], claims['email'], claims['sub']]) {
    if (typeof c !== 'string' || c.trim() === '') continue;
    const folded = c
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .slice(0, 64);
    if (USERNAME.test(folded)) return folded;
  }
  return null;
}

/**
 * Single sign-on with OpenID Connect: the authorization-code flow with PKCE (S256), state and
 * nonce, through openid-client (certified relying-party library). The flow's verifier and nonce
 * wait in Redis under the state, which also sits in an HttpOnly cookie of the browser that
 * started it (login CSRF). The first sign-in creates an external account (no password) with the
 * role OIDC_ROLE_MAP gives the OIDC_ROLE_CLAIM; no mapped value → refused. A username that
 * belongs to a local (password) account is refused, never taken over.
 */
@Injectable()
export class OidcService {
  private readonly settings?: OidcConfig;
  private discovered: Promise<OpenIdClient.Configuration> | null = null;

  constructor(
    config: AppConfig,
    @Inject(KV_STORE) private readonly kv: KvStore,
    private readonly accounts: AccountsRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly logger: AppLogger,
  ) {
    this.settings = config.oidc;
  }

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  get name(): string | null {
    return this.settings?.name ?? null;
  }

  /** The provider's authorization URL and the state to keep in the browser's cookie. */
  async start(): Promise<{ url: string; state: string }> {
    const s = this.required();
    const oidc = await openIdClient();
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await this.kv.set(flowKey(state), JSON.stringify({ verifier, nonce }), { ttlMs: FLOW_TTL_MS });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: s.redirectUrl,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  async callback(query: OidcCallbackQuery, cookieState: string | undefined, ip: string | null): Promise<OidcOutcome> {
    const s = this.required();
    if (query.error) return this.denied('unknown', `provider_error:${query.error}`, ip);
    const state = query.state;
    if (!state || !cookieState || state !== cookieState) return this.denied('unknown', 'state_mismatch', ip);
    const raw = await this.kv.get(flowKey(state));
    await this.kv.del(flowKey(state));
    if (!raw) return this.denied('unknown', 'flow_expired', ip);
    const flow = JSON.parse(raw) as { verifier: string; nonce: string };
    const current = new URL(s.redirectUrl);
    for (const [k, v] of Object.entries(query)) if (typeof v === 'string') current.searchParams.set(k, v);
    let claims: Record<string, unknown>;
    try {
      const oidc = await openIdClient();
      const tokens = await oidc.authorizationCodeGrant(await this.configuration(), current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    } catch (e) {
      this.logger.warn('OIDC code exchange failed', 'Admin', { error: (e as Error).message });
      return this.denied('unknown', 'code_exchange_failed', ip);
    }
    const username = usernameFrom(claims);
    if (!username) return this.denied('unknown', 'no_username_claim', ip);
    const role = mappedRole(claims[s.roleClaim], s.roleMap);
    if (!role) return this.denied(username, 'role_not_mapped', ip);
    let account = await this.accounts.get(username);
    if (account && !account.external) return this.denied(username, 'local_account_exists', ip);
    if (account?.disabled) return this.denied(username, 'disabled', ip);
    if (!account) {
      const display = typeof claims['name'] === 'string' ? (claims['name'] as string).slice(0, 100) : null;
      account = await this.accounts.insert({
        username,
        passwordHash: null,
        role,
        displayName: display,
        external: true,
      });
      if (!account) return this.denied(username, 'account_race', ip);
      await this.audit.record({
        actor: username,
        action: 'account.create',
        targetType: 'account',
        targetId: username,
        after: { role, external: true, via: 'oidc' },
        ip,
      });
    } else if (account.role !== role) {
      // The provider's claim is the source of truth for external accounts.
      account = (await this.accounts.update(username, { role })) ?? account;
      await this.sessions.revokeAccount(username, 'role_changed');
    }
    await this.accounts.touchSignIn(username);
    await this.audit.record({
      actor: username,
      action: 'auth.login',
      targetType: 'account',
      targetId: username,
      after: { via: 'oidc', role },
      ip,
    });
    return { ok: true, session: await this.sessions.start(sessionAccount(account), ip), username, role };
  }

  private async denied(username: string, reason: string, ip: string | null): Promise<OidcOutcome> {
    await this.audit.record({
      actor: username,
      action: 'auth.login_failed',
      targetType: 'account',
      targetId: username,
      after: { via: 'oidc', reason },
      ip,
    });
    return { ok: false, reason };
  }

  private required(): OidcConfig {
    if (!this.settings) throw new Error('OIDC is not configured');
    return this.settings;
  }

  /** Discovery once (retried after a failure). Plain http only for a provider on loopback. */
  private configuration(): Promise<OpenIdClient.Configuration> {
    const s = this.required();
    const issuer = new URL(s.issuer);
    const insecure = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
    this.discovered ??= openIdClient()
      .then((oidc) =>
        oidc.discovery(
          issuer,
          s.clientId,
          s.clientSecret,
          undefined,
          insecure ? { execute: [oidc.allowInsecureRequests] } : {},
        ),
      )
      .catch((e: unknown) => {
        this.discovered = null;
        throw e;
      });
    return this.discovered;
  }
}
