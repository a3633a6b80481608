import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Learning bindings (bindMaxAddresses): a first-use binding may learn up to N addresses.
 *
 * - `learning`: the binding's entries were learnt from use, so it may learn more; false once an
 *   admin sets a rule or bans the key (and for a pre-bound key). Existing rows learn when they
 *   still hold exactly what their first use bound (one entry covering `first_ip`).
 * - `max_addresses`: this binding's own cap (1–64); null = the live setting.
 * - `first_ip` / `first_used_at` become nullable: a key bound by an admin before its first use has
 *   neither until it is used (nor in archived_bindings, where such a row may be moved).
 *
 * The version trigger counts both new columns as changes (they change what a request is allowed).
 */
export class LearningBindings1795700000000 implements MigrationInterface {
  name = 'LearningBindings1795700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE token_bindings ADD COLUMN learning boolean NOT NULL DEFAULT false`);
    await q.query(
      `ALTER TABLE token_bindings ADD COLUMN max_addresses smallint
         CONSTRAINT ck_token_bindings_max_addresses CHECK (max_addresses BETWEEN 1 AND 64)`,
    );
    await q.query(
      `UPDATE token_bindings SET learning = true
        WHERE status = 'active' AND rule_kind = 'single' AND cardinality(rule_entries) = 1
          AND first_ip <<= rule_entries[1]`,
    );
    await q.query(`ALTER TABLE token_bindings ALTER COLUMN first_ip DROP NOT NULL`);
    await q.query(`ALTER TABLE token_bindings ALTER COLUMN first_used_at DROP NOT NULL`);
    await q.query(`ALTER TABLE archived_bindings ALTER COLUMN first_ip DROP NOT NULL`);
    await q.query(`ALTER TABLE archived_bindings ALTER COLUMN first_used_at DROP NOT NULL`);
    await q.query(`CREATE OR REPLACE FUNCTION token_bindings_bump_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF (NEW.token_hash, NEW.token_mask, NEW.rule_kind, NEW.rule_entries, NEW.status,
        NEW.first_ip, NEW.first_used_at, NEW.note, NEW.created_at, NEW.learning, NEW.max_addresses)
       IS DISTINCT FROM
       (OLD.token_hash, OLD.token_mask, OLD.rule_kind, OLD.rule_entries, OLD.status,
        OLD.first_ip, OLD.first_used_at, OLD.note, OLD.created_at, OLD.learning, OLD.max_addresses) THEN
      NEW.version := nextval('token_binding_version_seq');
      NEW.updated_at := now();
    ELSIF NEW.version < OLD.version THEN
      NEW.version := OLD.version;
    END IF;
    RETURN NEW;
  END
  $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION token_bindings_bump_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF (NEW.token_hash, NEW.token_mask, NEW.rule_kind, NEW.rule_entries, NEW.status,
        NEW.first_ip, NEW.first_used_at, NEW.note, NEW.created_at)
       IS DISTINCT FROM
       (OLD.token_hash, OLD.token_mask, OLD.rule_kind, OLD.rule_entries, OLD.status,
        OLD.first_ip, OLD.first_used_at, OLD.note, OLD.created_at) THEN
      NEW.version := nextval('token_binding_version_seq');
      NEW.updated_at := now();
    ELSIF NEW.version < OLD.version THEN
      NEW.version := OLD.version;
    END IF;
    RETURN NEW;
  END
  $fn$`);
    await q.query(`ALTER TABLE token_bindings DROP COLUMN max_addresses`);
    await q.query(`ALTER TABLE token_bindings DROP COLUMN learning`);
  }
}
