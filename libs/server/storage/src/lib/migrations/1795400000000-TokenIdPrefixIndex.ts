import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console finds a binding by a prefix of its token id (`token_hash LIKE 'ab12%'`). The unique
 * index on token_hash uses the database collation and cannot serve LIKE under a non-C collation;
 * a text_pattern_ops index can (290 ms sequential scan → an index range scan at 1M bindings).
 */
export class TokenIdPrefixIndex1795400000000 implements MigrationInterface {
  name = 'TokenIdPrefixIndex1795400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS ix_token_bindings_token_hash_prefix ON token_bindings (token_hash text_pattern_ops)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_token_bindings_token_hash_prefix`);
  }
}
