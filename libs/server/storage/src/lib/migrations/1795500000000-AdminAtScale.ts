import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin queries at 1M rows (issue #9): every binding sort is index-backed and pages by keyset.
 *
 * - token_bindings.intercept_count: the number of intercept_logs rows with the binding's token id,
 *   maintained by statement-level triggers on intercept_logs (one grouped UPDATE per batch insert
 *   of the InterceptRecorder, and per retention delete batch of the archive job) and initialised
 *   by a BEFORE INSERT trigger on token_bindings from the rows a re-bound token already has — the
 *   same figure the console computed before with `count(*)` per row, now readable from an index.
 *   Not a decision column: the version trigger ignores it, so caches do not churn.
 * - The "last used" sort orders by `coalesce(last_used_at, '-infinity')`, which places never-used
 *   bindings exactly where `DESC NULLS LAST` / `ASC NULLS FIRST` did, but as one non-null key that
 *   a row comparison `(key, id) < ($1, $2)` can seek in one index, both directions.
 * - intercept_logs token filters are prefixes (`LIKE 'ab12%'`) of the mask or the token id:
 *   text_pattern_ops indexes serve them under any collation.
 */
export class AdminAtScale1795500000000 implements MigrationInterface {
  readonly name = 'AdminAtScale1795500000000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of UP) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of DOWN) await q.query(statement);
  }
}

const UP: readonly string[] = [
  `ALTER TABLE token_bindings ADD COLUMN intercept_count bigint NOT NULL DEFAULT 0`,
  `UPDATE token_bindings b SET intercept_count = c.n
     FROM (SELECT token_hash, count(*) AS n FROM intercept_logs GROUP BY token_hash) c
    WHERE b.token_hash = c.token_hash`,
  `CREATE FUNCTION intercept_logs_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    -- Lock the counted bindings in token_hash order first: the usage flush locks in the same order,
    -- so the two batch writers queue behind each other instead of deadlocking.
    PERFORM 1 FROM token_bindings b
      WHERE b.token_hash IN (SELECT token_hash FROM inserted_rows)
      ORDER BY b.token_hash FOR NO KEY UPDATE;
    UPDATE token_bindings b SET intercept_count = b.intercept_count + c.n
      FROM (SELECT token_hash, count(*) AS n FROM inserted_rows GROUP BY token_hash) c
     WHERE b.token_hash = c.token_hash;
    RETURN NULL;
  END
  $fn$`,
  `CREATE TRIGGER tg_intercept_logs_count_inserted AFTER INSERT ON intercept_logs
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION intercept_logs_count_inserted()`,
  `CREATE FUNCTION intercept_logs_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM 1 FROM token_bindings b
      WHERE b.token_hash IN (SELECT token_hash FROM deleted_rows)
      ORDER BY b.token_hash FOR NO KEY UPDATE;
    UPDATE token_bindings b SET intercept_count = greatest(b.intercept_count - c.n, 0)
      FROM (SELECT token_hash, count(*) AS n FROM deleted_rows GROUP BY token_hash) c
     WHERE b.token_hash = c.token_hash;
    RETURN NULL;
  END
  $fn$`,
  `CREATE TRIGGER tg_intercept_logs_count_deleted AFTER DELETE ON intercept_logs
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION intercept_logs_count_deleted()`,
  `CREATE FUNCTION token_bindings_init_intercept_count() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    NEW.intercept_count := (SELECT count(*) FROM intercept_logs l WHERE l.token_hash = NEW.token_hash);
    RETURN NEW;
  END
  $fn$`,
  `CREATE TRIGGER tg_token_bindings_init_intercept_count BEFORE INSERT ON token_bindings
    FOR EACH ROW EXECUTE FUNCTION token_bindings_init_intercept_count()`,
  `CREATE INDEX ix_token_bindings_intercepts ON token_bindings (intercept_count DESC, id DESC)`,
  // Replace ix_token_bindings_last_used and ix_token_bindings_status_kind (same write cost).
  `CREATE INDEX ix_token_bindings_last_used_key ON token_bindings ((coalesce(last_used_at, '-infinity'::timestamptz)) DESC, id DESC)`,
  `CREATE INDEX ix_token_bindings_status_kind_key ON token_bindings (status, rule_kind, (coalesce(last_used_at, '-infinity'::timestamptz)) DESC, id DESC)`,
  `DROP INDEX ix_token_bindings_last_used`,
  `DROP INDEX ix_token_bindings_status_kind`,
  `CREATE INDEX ix_intercept_logs_mask_prefix ON intercept_logs (token_mask text_pattern_ops)`,
  `CREATE INDEX ix_intercept_logs_token_prefix ON intercept_logs (token_hash text_pattern_ops)`,
];

const DOWN: readonly string[] = [
  `DROP INDEX ix_intercept_logs_token_prefix`,
  `DROP INDEX ix_intercept_logs_mask_prefix`,
  `CREATE INDEX ix_token_bindings_status_kind ON token_bindings (status, rule_kind, last_used_at DESC NULLS LAST, id DESC)`,
  `CREATE INDEX ix_token_bindings_last_used ON token_bindings (last_used_at DESC NULLS LAST, id DESC)`,
  `DROP INDEX ix_token_bindings_status_kind_key`,
  `DROP INDEX ix_token_bindings_last_used_key`,
  `DROP INDEX ix_token_bindings_intercepts`,
  `DROP TRIGGER tg_token_bindings_init_intercept_count ON token_bindings`,
  `DROP FUNCTION token_bindings_init_intercept_count()`,
  `DROP TRIGGER tg_intercept_logs_count_deleted ON intercept_logs`,
  `DROP FUNCTION intercept_logs_count_deleted()`,
  `DROP TRIGGER tg_intercept_logs_count_inserted ON intercept_logs`,
  `DROP FUNCTION intercept_logs_count_inserted()`,
  `ALTER TABLE token_bindings DROP COLUMN intercept_count`,
];
