import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@sentinel/server-storage';
import type { DataSource } from 'typeorm';
import { returned } from '../common/sql';

export interface SessionRow {
  id: string;
  username: string;
  refresh_hash: string;
  expires_at: Date | string;
  revoked_at: Date | string | null;
}

/** admin_sessions: one row per sign-in (a refresh-token family), the durable revocation list. */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async insert(s: { id: string; username: string; refreshHash: string; expiresAt: Date; ip: string | null }) {
    await this.db.query(
      `INSERT INTO admin_sessions (id, username, refresh_hash, expires_at, ip) VALUES ($1, $2, $3, $4, $5::inet)`,
      [s.id, s.username, s.refreshHash, s.expiresAt.toISOString(), s.ip],
    );
  }

  async get(id: string): Promise<SessionRow | null> {
    const rows: SessionRow[] = await this.db.query(
      `SELECT id::text AS id, username, refresh_hash, expires_at, revoked_at FROM admin_sessions WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Swaps the refresh hash only if it is still `expected` (one winner among concurrent uses). */
  async rotate(id: string, expected: string, next: string): Promise<boolean> {
    const rows = returned<{ id: string }>(
      await this.db.query(
        `UPDATE admin_sessions SET refresh_hash = $3, last_used_at = now()
          WHERE id = $1 AND refresh_hash = $2 AND revoked_at IS NULL AND expires_at > now() RETURNING id::text AS id`,
        [id, expected, next],
      ),
    );
    return rows.length === 1;
  }

  /** Revokes the given live sessions; returns the ids that were live. */
  async revoke(ids: readonly string[], reason: string): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = returned<{ id: string }>(
      await this.db.query(
        `UPDATE admin_sessions SET revoked_at = now(), revoked_reason = $2
          WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL RETURNING id::text AS id`,
        [ids, reason],
      ),
    );
    return rows.map((r) => r.id);
  }

  async revokeAccount(username: string, reason: string): Promise<string[]> {
    const rows = returned<{ id: string }>(
      await this.db.query(
        `UPDATE admin_sessions SET revoked_at = now(), revoked_reason = $2
          WHERE username = $1 AND revoked_at IS NULL RETURNING id::text AS id`,
        [username, reason],
      ),
    );
    return rows.map((r) => r.id);
  }

  /** Sessions revoked within the last `seconds` (to copy into Redis after it was unreachable). */
  async recentlyRevoked(seconds: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id::text AS id FROM admin_sessions
        WHERE revoked_at > now() - make_interval(secs => $1) AND expires_at > now()`,
      [seconds],
    );
    return rows.map((r) => r.id);
  }

  async isRevoked(id: string): Promise<boolean> {
    const rows: Array<{ revoked: boolean }> = await this.db.query(
      `SELECT (revoked_at IS NOT NULL OR expires_at <= now()) AS revoked FROM admin_sessions WHERE id = $1`,
      [id],
    );
    return rows[0]?.revoked ?? true;
  }
}
