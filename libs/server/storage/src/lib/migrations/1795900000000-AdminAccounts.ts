import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Named admin accounts with roles, their sessions (refresh-token families, revocable) and API
 * tokens. The built-in `admin` row is created here; its password stays ADMIN_PASSWORD (no hash
 * is stored for it). Sessions and tokens go with their account (ON DELETE CASCADE).
 */
export class AdminAccounts1795900000000 implements MigrationInterface {
  name = 'AdminAccounts1795900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE admin_accounts (
         username text NOT NULL CONSTRAINT pk_admin_accounts PRIMARY KEY
           CONSTRAINT ck_admin_accounts_username CHECK (username ~ '^[a-z0-9._-]{1,64}$'),
         password_hash text,
         role text NOT NULL CONSTRAINT ck_admin_accounts_role CHECK (role IN ('viewer', 'operator', 'admin')),
         display_name text CONSTRAINT ck_admin_accounts_display_name CHECK (char_length(display_name) <= 100),
         disabled boolean NOT NULL DEFAULT false,
         external boolean NOT NULL DEFAULT false,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now(),
         last_sign_in_at timestamptz
       )`,
    );
    await q.query(
      `INSERT INTO admin_accounts (username, role, display_name) VALUES ('admin', 'admin', 'Administrator')`,
    );
    await q.query(
      `CREATE TABLE admin_sessions (
         id uuid NOT NULL CONSTRAINT pk_admin_sessions PRIMARY KEY,
         username text NOT NULL CONSTRAINT fk_admin_sessions_account
           REFERENCES admin_accounts (username) ON DELETE CASCADE,
         refresh_hash text NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         last_used_at timestamptz NOT NULL DEFAULT now(),
         expires_at timestamptz NOT NULL,
         revoked_at timestamptz,
         revoked_reason text,
         ip inet
       )`,
    );
    await q.query(`CREATE INDEX ix_admin_sessions_live ON admin_sessions (username) WHERE revoked_at IS NULL`);
    await q.query(
      `CREATE TABLE admin_api_tokens (
         id uuid NOT NULL CONSTRAINT pk_admin_api_tokens PRIMARY KEY,
         name text NOT NULL CONSTRAINT ck_admin_api_tokens_name CHECK (char_length(name) BETWEEN 1 AND 64),
         owner text NOT NULL CONSTRAINT fk_admin_api_tokens_owner
           REFERENCES admin_accounts (username) ON DELETE CASCADE,
         role text NOT NULL CONSTRAINT ck_admin_api_tokens_role CHECK (role IN ('viewer', 'operator', 'admin')),
         token_hash text NOT NULL CONSTRAINT uq_admin_api_tokens_hash UNIQUE,
         prefix text NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         expires_at timestamptz NOT NULL,
         last_used_at timestamptz,
         last_used_ip inet,
         revoked_at timestamptz
       )`,
    );
    await q.query(`CREATE INDEX ix_admin_audit_actor ON admin_audit (actor, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_admin_audit_actor`);
    await q.query(`DROP TABLE IF EXISTS admin_api_tokens`);
    await q.query(`DROP TABLE IF EXISTS admin_sessions`);
    await q.query(`DROP TABLE IF EXISTS admin_accounts`);
  }
}
