import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  API_TOKEN_MAX_DAYS,
  API_TOKEN_PREFIX,
  roleAtLeast,
  type ApiToken,
  type CreateApiTokenRequest,
  type CreateApiTokenResponse,
} from '@sentinel/admin-contract';
import { ADMIN_ROLES } from '@sentinel/admin-contract';
import { ApiTokensRepository } from '../accounts/api-tokens.repository';
import { AuditService } from '../audit/audit.service';
import { AdminApiError } from '../common/admin-errors';
import type { AdminPrincipal } from '../common/request-context';

/** `sst_` + 43 base64url characters (256 random bits). */
export const API_TOKEN_PATTERN = /^sst_[A-Za-z0-9_-]{43}$/;
const DAY_MS = 86_400_000;

/**
 * The secret has 256 random bits, so a fast hash is enough to store it (nothing to brute-force,
 * unlike a password): SHA-256, looked up by equality on each request.
 */
export function apiTokenHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** API tokens for scripts and CI: `Authorization: Bearer sst_…` on /admin/api/*. */
@Injectable()
export class ApiTokenService {
  constructor(
    private readonly repo: ApiTokensRepository,
    private readonly audit: AuditService,
  ) {}

  list(): Promise<ApiToken[]> {
    return this.repo.list();
  }

  async create(req: CreateApiTokenRequest, who: AdminPrincipal, ip: string | null): Promise<CreateApiTokenResponse> {
    if (!roleAtLeast(who.role, req.role))
      throw new AdminApiError(403, 'forbidden', `A token's role cannot exceed your own (${who.role}).`);
    if (!Number.isInteger(req.expiresInDays) || req.expiresInDays < 1 || req.expiresInDays > API_TOKEN_MAX_DAYS)
      throw AdminApiError.validation([{ field: 'expiresInDays', messages: [`1 to ${API_TOKEN_MAX_DAYS} days`] }]);
    const secret = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const token = await this.repo.insert({
      id: randomUUID(),
      name: req.name.trim(),
      owner: who.username,
      role: req.role,
      hash: apiTokenHash(secret),
      prefix: `${secret.slice(0, 8)}…`,
      expiresAt: new Date(Date.now() + req.expiresInDays * DAY_MS),
    });
    await this.audit.record({
      actor: who.actor,
      action: 'token.create',
      targetType: 'api_token',
      targetId: token.id,
      after: { name: token.name, owner: token.owner, role: token.role, expiresAt: token.expiresAt },
      ip,
    });
    return { token, secret };
  }

  async revoke(id: string, who: AdminPrincipal, ip: string | null): Promise<ApiToken> {
    const token = await this.repo.revoke(id);
    if (!token) throw AdminApiError.notFound(`No API token ${id}.`);
    await this.audit.record({
      actor: who.actor,
      action: 'token.revoke',
      targetType: 'api_token',
      targetId: token.id,
      after: { name: token.name, owner: token.owner },
      ip,
    });
    return token;
  }

  /** The principal of a bearer `sst_…`; 401 unless live and its owner is enabled. */
  async verify(secret: string, ip: string | null): Promise<AdminPrincipal> {
    if (!API_TOKEN_PATTERN.test(secret)) throw AdminApiError.unauthorized();
    const token = await this.repo.findLive(apiTokenHash(secret));
    if (!token || token.ownerDisabled) throw AdminApiError.unauthorized();
    await this.repo.touch(token.id, ip);
    // The owner may have been demoted since: the token never does more than its owner can now.
    const role = ADMIN_ROLES[Math.min(ADMIN_ROLES.indexOf(token.role), ADMIN_ROLES.indexOf(token.ownerRole))];
    return {
      actor: `${token.name} (${token.owner})`,
      username: token.owner,
      role,
      via: 'api_token',
      tokenId: token.id,
      tokenName: token.name,
    };
  }
}
