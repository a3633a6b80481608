import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Labels on bindings (who a key belongs to, e.g. the owner or team) and the length bounds of the
 * label and the existing note. A label does not change what a request is allowed, so it is not
 * one of the version trigger's columns (no cache invalidation for a label edit).
 */
export class BindingLabels1795800000000 implements MigrationInterface {
  name = 'BindingLabels1795800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE token_bindings ADD COLUMN label text
         CONSTRAINT ck_token_bindings_label CHECK (char_length(label) <= 100)`,
    );
    await q.query(
      `ALTER TABLE token_bindings ADD CONSTRAINT ck_token_bindings_note CHECK (char_length(note) <= 1000) NOT VALID`,
    );
    await q.query(`CREATE INDEX ix_token_bindings_label ON token_bindings (label text_pattern_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_token_bindings_label`);
    await q.query(`ALTER TABLE token_bindings DROP CONSTRAINT IF EXISTS ck_token_bindings_note`);
    await q.query(`ALTER TABLE token_bindings DROP COLUMN label`);
  }
}
