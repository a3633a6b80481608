import { Inject, Injectable } from '@nestjs/common';
import type { AdminRole, ApiToken } from '@sentinel/admin-contract';
import { DATA_SOURCE } from '@sentinel/server-storage';
import type { DataSource } from 'typeorm';
import { iso, returned } from '../common/sql';

interface TokenRow {
  id: string;
  name: string;
  owner: string;
  role: AdminRole;
  prefix: string;
  created_at: Date | string;
  expires_at: Date | string;
  last_used_at: Date | string | null;
  last_used_ip: string | null;
  revoked_at: Date | string | null;
}

const COLUMNS = `id::text AS id, name, owner, role, prefix, created_at, expires_at, last_used_at,
  host(last_used_ip) AS last_used_ip, revoked_at`;

function toToken(r: TokenRow): ApiToken {
  return {
    id: r.id,
    name: r.name,
    owner: r.owner,
    role: r.role,
    prefix: r.prefix,
    createdAt: iso(r.created_at) as string,
    expiresAt: iso(r.expires_at) as string,
    lastUsedAt: iso(r.last_used_at),
    lastUsedIp: r.last_used_ip,
    revokedAt: iso(r.revoked_at),
  };
}

export interface LiveToken extends ApiToken {
  ownerRole: AdminRole;
  ownerDisabled: boolean;
}

/** admin_api_tokens: only the SHA-256 of each secret is stored. */
@Injectable()
export class ApiTokensRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async list(): Promise<ApiToken[]> {
    const rows: TokenRow[] = await this.db.query(`SELECT ${COLUMNS} FROM admin_api_tokens ORDER BY created_at DESC`);
    return rows.map(toToken);
  }

  async insert(t: {
    id: string;
    name: string;
    owner: string;
    role: AdminRole;
    hash: string;
    prefix: string;
    expiresAt: Date;
  }): Promise<ApiToken> {
    const rows: TokenRow[] = await this.db.query(
      `INSERT INTO admin_api_tokens (id, name, owner, role, token_hash, prefix, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [t.id, t.name, t.owner, t.role, t.hash, t.prefix, t.expiresAt.toISOString()],
    );
    return toToken(rows[0]);
  }

  /** The live (not revoked, not expired) token with this hash, and its owner's state. */
  async findLive(hash: string): Promise<LiveToken | null> {
    const rows: Array<TokenRow & { owner_role: AdminRole; owner_disabled: boolean }> = await this.db.query(
      `SELECT t.id::text AS id, t.name, t.owner, t.role, t.prefix, t.created_at, t.expires_at, t.last_used_at,
              host(t.last_used_ip) AS last_used_ip, t.revoked_at, a.role AS owner_role, a.disabled AS owner_disabled
         FROM admin_api_tokens t JOIN admin_accounts a ON a.username = t.owner
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now()`,
      [hash],
    );
    const r = rows[0];
    return r ? { ...toToken(r), ownerRole: r.owner_role, ownerDisabled: r.owner_disabled } : null;
  }

  async touch(id: string, ip: string | null): Promise<void> {
    await this.db.query(`UPDATE admin_api_tokens SET last_used_at = now(), last_used_ip = $2::inet WHERE id = $1`, [
      id,
      ip,
    ]);
  }

  async revoke(id: string): Promise<ApiToken | null> {
    const rows = returned<TokenRow>(
      await this.db.query(
        `UPDATE admin_api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
        [id],
      ),
    );
    return rows[0] ? toToken(rows[0]) : null;
  }
}
