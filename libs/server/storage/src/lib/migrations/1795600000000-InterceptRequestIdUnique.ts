import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Intercept rows are written at least once: a batch whose INSERT reached PostgreSQL but whose
 * reply was lost (connection reset mid-command) is retried. A unique request id makes the retry
 * a no-op (`ON CONFLICT (request_id) DO NOTHING`), so every 403 has exactly one row. Duplicates
 * written before this migration are removed first (the oldest row of each request id is kept).
 */
export class InterceptRequestIdUnique1795600000000 implements MigrationInterface {
  name = 'InterceptRequestIdUnique1795600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `DELETE FROM intercept_logs l USING intercept_logs k
        WHERE l.request_id IS NOT NULL AND l.request_id = k.request_id AND l.id > k.id`,
    );
    await q.query(`CREATE UNIQUE INDEX IF NOT EXISTS ux_intercept_logs_request_id ON intercept_logs (request_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ux_intercept_logs_request_id`);
  }
}
