import { Inject, Injectable } from '@nestjs/common';
import { BUILTIN_ADMIN, type Account, type AdminRole } from '@sentinel/admin-contract';
import { DATA_SOURCE } from '@sentinel/server-storage';
import type { DataSource } from 'typeorm';
import { iso, returned } from '../common/sql';

export interface AccountRecord extends Account {
  passwordHash: string | null;
}

interface AccountRow {
  username: string;
  password_hash: string | null;
  role: AdminRole;
  display_name: string | null;
  disabled: boolean;
  external: boolean;
  created_at: Date | string;
  last_sign_in_at: Date | string | null;
}

const COLUMNS = 'username, password_hash, role, display_name, disabled, external, created_at, last_sign_in_at';

function toRecord(r: AccountRow): AccountRecord {
  return {
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    displayName: r.display_name,
    disabled: r.disabled,
    external: r.external,
    builtin: r.username === BUILTIN_ADMIN,
    createdAt: iso(r.created_at) as string,
    lastSignInAt: iso(r.last_sign_in_at),
  };
}

export function publicAccount(a: AccountRecord): Account {
  const { passwordHash: _hash, ...rest } = a;
  return rest;
}

export interface AccountChanges {
  role?: AdminRole;
  disabled?: boolean;
  displayName?: string | null;
  passwordHash?: string | null;
}

/** The admin_accounts table (the built-in `admin` row is created by the migration). */
@Injectable()
export class AccountsRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async list(): Promise<AccountRecord[]> {
    const rows: AccountRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM admin_accounts ORDER BY username = '${BUILTIN_ADMIN}' DESC, username`,
    );
    return rows.map(toRecord);
  }

  async get(username: string): Promise<AccountRecord | null> {
    const rows: AccountRow[] = await this.db.query(`SELECT ${COLUMNS} FROM admin_accounts WHERE username = $1`, [
      username,
    ]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Null when the username is taken. */
  async insert(a: {
    username: string;
    passwordHash: string | null;
    role: AdminRole;
    displayName: string | null;
    external: boolean;
  }): Promise<AccountRecord | null> {
    const rows: AccountRow[] = await this.db.query(
      `INSERT INTO admin_accounts (username, password_hash, role, display_name, external)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING RETURNING ${COLUMNS}`,
      [a.username, a.passwordHash, a.role, a.displayName, a.external],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async update(username: string, c: AccountChanges): Promise<AccountRecord | null> {
    const sets: string[] = [];
    const params: unknown[] = [username];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (c.role !== undefined) set('role', c.role);
    if (c.disabled !== undefined) set('disabled', c.disabled);
    if (c.displayName !== undefined) set('display_name', c.displayName);
    if (c.passwordHash !== undefined) set('password_hash', c.passwordHash);
    if (sets.length === 0) return this.get(username);
    const rows = returned<AccountRow>(
      await this.db.query(
        `UPDATE admin_accounts SET ${sets.join(', ')}, updated_at = now() WHERE username = $1 RETURNING ${COLUMNS}`,
        params,
      ),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async delete(username: string): Promise<boolean> {
    const rows = returned<{ username: string }>(
      await this.db.query(`DELETE FROM admin_accounts WHERE username = $1 RETURNING username`, [username]),
    );
    return rows.length > 0;
  }

  async touchSignIn(username: string): Promise<void> {
    await this.db.query(`UPDATE admin_accounts SET last_sign_in_at = now() WHERE username = $1`, [username]);
  }

  /** Enabled admins other than `except`. */
  async otherEnabledAdmins(except: string): Promise<number> {
    const [{ n }] = await this.db.query(
      `SELECT count(*)::int AS n FROM admin_accounts WHERE role = 'admin' AND NOT disabled AND username <> $1`,
      [except],
    );
    return n as number;
  }
}
