import type { LogExportQuery } from '@sentinel/admin-contract';
import { createPostgresTestDataSource, postgresTier } from '@sentinel/server-storage/testing';
import type { CopySink } from './copy-out';
import { LogsRepository } from './logs.repository';

/**
 * On PostgreSQL the export is one COPY streamed as Buffers (copyCsv); it must give exactly the
 * bytes of the keyset batches (csvBatch, the embedded backend's path, checked against csvCell by
 * csv.int.spec.ts), for every filter, under backpressure, and an abandoned export must not leave
 * its connection busy.
 */
describe('log export by COPY on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createPostgresTestDataSource>> | null = null;
  let logs: LogsRepository;
  const TOKEN = 'ab12'.repeat(16);

  beforeAll(async () => {
    if (postgresTier() === 'skip') return;
    db = await createPostgresTestDataSource();
    logs = new LogsRepository(db.dataSource);
    await db.dataSource.query(
      `INSERT INTO intercept_logs (token_hash, token_mask, client_ip, rule_kind, rule_entries, binding_status, reason,
                                   method, path, user_agent, request_id, created_at)
       SELECT CASE WHEN g % 3 = 0 THEN $1 ELSE md5(g::text) || md5((g * 7)::text) END,
              CASE WHEN g % 3 = 0 THEN 'sk-ab12…ab12' ELSE 'sk-' || left(md5(g::text), 4) || '…' END,
              ('198.51.100.' || (g % 5))::inet, 'multiple', '{10.0.0.1/32,192.168.0.0/24}',
              CASE WHEN g % 7 = 0 THEN 'banned' ELSE 'active' END, CASE WHEN g % 7 = 0 THEN 'banned' ELSE 'ip_not_allowed' END,
              'POST', '/v1/chat/completions?q="' || g || '"',
              (ARRAY['=HYPERLINK("x")', '+cmd', E'line\\r\\nbreak', 'ünïcødé, "quoted"', NULL, '-1', '@SUM(A1)', E'\\ttab'])[1 + g % 8],
              CASE WHEN g % 4 = 0 THEN NULL ELSE 'req-' || g END,
              timestamptz '2026-11-01T00:00:00Z' + (g / 3) * interval '1 minute'
         FROM generate_series(1, 2000) AS g`,
      [TOKEN],
    );
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  async function byBatches(q: LogExportQuery): Promise<Buffer> {
    const parts: string[] = [];
    let cursor: Awaited<ReturnType<LogsRepository['csvBatch']>>['cursor'] = null;
    for (;;) {
      const batch = await logs.csvBatch(q, cursor, 97);
      parts.push(...batch.chunks);
      if (batch.rows < 97 || !batch.cursor) break;
      cursor = batch.cursor;
    }
    return Buffer.from(parts.join(''), 'utf8');
  }

  /** Collects the COPY; `slow` answers false to every write and drains on a later tick. */
  async function byCopy(q: LogExportQuery, slow = false): Promise<{ bytes: Buffer; started: number; writes: number }> {
    const chunks: Buffer[] = [];
    let started = 0;
    let drain: (() => void) | null = null;
    const sink: CopySink = {
      start: () => started++,
      write: (chunk, done) => {
        chunks.push(Buffer.from(chunk)); // the chunk is reused once done
        setImmediate(done);
        if (slow) setTimeout(() => drain?.(), 1);
        return !slow;
      },
      onDrain: (resume) => {
        drain = () => {
          drain = null;
          resume();
        };
      },
      onClose: () => undefined,
    };
    await logs.copyCsv(q, sink);
    return { bytes: Buffer.concat(chunks), started, writes: chunks.length };
  }

  const filters: [string, LogExportQuery][] = [
    ['no filter', {}],
    ['time range', { from: '2026-11-01T02:00:00Z', to: '2026-11-01T05:00:00Z' }],
    ['token id prefix', { token: TOKEN.slice(0, 8) }],
    ['token mask prefix', { token: 'sk-ab12' }],
    ['client ip + reason', { clientIp: '198.51.100.3', reason: 'banned' }],
    ['a client CIDR range', { clientIp: '198.51.100.0/31' }],
    ['a LIKE wildcard and a quote in the token', { token: "ab_%'" }],
  ];

  it.each(filters)('gives the bytes of the keyset batches: %s', async (_name, q) => {
    if (!db) return console.warn('PostgreSQL unavailable: skipped');
    const expected = await byBatches(q);
    const copied = await byCopy(q);
    expect(copied.started).toBe(1);
    expect(copied.bytes.equals(expected)).toBe(true);
    if (q.token === "ab_%'") expect(copied.bytes.length).toBe(0);
    else expect(copied.bytes.length).toBeGreaterThan(0);
  });

  it('is unchanged when the consumer holds it back on every chunk', async () => {
    if (!db) return console.warn('PostgreSQL unavailable: skipped');
    const copied = await byCopy({}, true);
    expect(copied.writes).toBeGreaterThan(3); // several 64 KiB chunks, each held back
    expect(copied.bytes.equals(await byBatches({}))).toBe(true);
  });

  it('an abandoned export fails, and its connection leaves the pool (the next queries run)', async () => {
    if (!db) return console.warn('PostgreSQL unavailable: skipped');
    let abort: (() => void) | null = null;
    const sink: CopySink = {
      start: () => undefined,
      write: () => {
        setImmediate(() => abort?.());
        return false; // paused: only the abort can end it
      },
      onDrain: () => undefined,
      onClose: (a) => (abort = a),
    };
    await expect(logs.copyCsv({}, sink)).rejects.toThrow(/went away/);
    // Every pooled connection (4) is usable: none is left paused or mid-COPY.
    const counts = await Promise.all(
      [1, 2, 3, 4, 5].map(() => db?.dataSource.query(`SELECT count(*)::int AS n FROM intercept_logs`)),
    );
    expect(counts.map((r) => r?.[0].n)).toEqual([2000, 2000, 2000, 2000, 2000]);
  });

  it('a database error before the first row is an error, with nothing started', async () => {
    if (!db) return console.warn('PostgreSQL unavailable: skipped');
    let started = false;
    const sink: CopySink = {
      start: () => (started = true),
      write: () => true,
      onDrain: () => undefined,
      onClose: () => undefined,
    };
    await expect(logs.copyCsv({ clientIp: 'not-an-ip' }, sink)).rejects.toThrow(/inet/);
    expect(started).toBe(false);
  });

  it('leaves no filter value set on the pooled connections', async () => {
    if (!db) return console.warn('PostgreSQL unavailable: skipped');
    await byCopy({ reason: 'banned' });
    const rows: { v: string | null }[][] = await Promise.all(
      [1, 2, 3, 4].map(() =>
        (db as NonNullable<typeof db>).dataSource.query(`SELECT current_setting('sentinel.export_1', true) AS v`),
      ),
    );
    for (const r of rows) expect(r[0].v ?? '').toBe('');
  });
});
