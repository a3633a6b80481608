import { randomBytes } from 'node:crypto';
import {
  EXACT_TOTAL_LIMIT,
  type BindingListQuery,
  type BindingSortField,
  type SortOrder,
} from '@sentinel/admin-contract';
import { BindingRepository, type InterceptEvent } from '@sentinel/server-binding';
import { describeEachBackend } from '@sentinel/server-storage/testing';
import { AdminApiError } from '../common/admin-errors';
import { LogsRepository } from '../logs/logs.repository';
import { BindingsQueryRepository } from './bindings-query.repository';

const tokenHash = () => randomBytes(32).toString('hex');

function intercept(h: string, at: Date, clientIp = '198.51.100.9'): InterceptEvent {
  return {
    tokenHash: h,
    tokenMask: `sk-t…${h.slice(0, 4)}`,
    clientIp,
    ruleKind: 'single',
    ruleEntries: ['10.0.0.1/32'],
    bindingStatus: 'active',
    reason: 'ip_not_allowed',
    method: 'POST',
    path: '/v1/chat/completions',
    userAgent: 'int-test',
    requestId: randomBytes(8).toString('hex'),
    at,
  };
}

describeEachBackend('admin paging and the intercept counter on %s', (backend) => {
  let bindings: BindingsQueryRepository;
  let logs: LogsRepository;
  let writer: BindingRepository;
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    backend().dataSource.query(sql, params) as Promise<T[]>;

  const insertBinding = async (o: {
    lastUsedMinutesAgo: number | null;
    createdMinutesAgo: number;
    status?: string;
  }) => {
    const h = tokenHash();
    const [row] = await q<{ id: string }>(
      `INSERT INTO token_bindings (token_hash, token_mask, rule_kind, rule_entries, status, first_ip, created_at, last_used_at)
       VALUES ($1, 'sk-t…' || substr($1, 1, 4), 'single', '{10.0.0.1/32}', $2, '10.0.0.1',
               now() - $3::int * interval '1 minute',
               CASE WHEN $4::int IS NULL THEN NULL ELSE now() - $4::int * interval '1 minute' END)
       RETURNING id::text AS id`,
      [h, o.status ?? 'active', o.createdMinutesAgo, o.lastUsedMinutesAgo],
    );
    return { id: row.id, hash: h };
  };
  const countOf = async (h: string) =>
    Number(
      (await q<{ n: string }>(`SELECT intercept_count::text AS n FROM token_bindings WHERE token_hash = $1`, [h]))[0]
        ?.n,
    );
  const logCount = async (h: string) =>
    Number((await q<{ n: string }>(`SELECT count(*)::text AS n FROM intercept_logs WHERE token_hash = $1`, [h]))[0].n);

  beforeAll(async () => {
    bindings = new BindingsQueryRepository(backend().dataSource);
    logs = new LogsRepository(backend().dataSource);
    writer = new BindingRepository(backend().dataSource);
  });

  describe('intercept_count', () => {
    it('follows batched intercept inserts, retention deletes and a re-bind', async () => {
      const a = await insertBinding({ lastUsedMinutesAgo: 1, createdMinutesAgo: 10 });
      const b = await insertBinding({ lastUsedMinutesAgo: 1, createdMinutesAgo: 10 });
      expect(await countOf(a.hash)).toBe(0);

      // One batch as the InterceptRecorder writes it: rows for two tokens and one unbound token.
      const now = Date.now();
      const stranger = tokenHash();
      await writer.insertIntercepts([
        ...Array.from({ length: 5 }, (_, i) => intercept(a.hash, new Date(now - i * 1000))),
        ...Array.from({ length: 2 }, (_, i) => intercept(b.hash, new Date(now - i * 1000))),
        intercept(stranger, new Date(now)),
      ]);
      await writer.insertIntercepts([intercept(a.hash, new Date(now - 3_600_000))]);
      expect(await countOf(a.hash)).toBe(6);
      expect(await countOf(b.hash)).toBe(2);
      expect(await countOf(a.hash)).toBe(await logCount(a.hash));

      // Retention deletes old rows in batches: the counter follows.
      await q(`DELETE FROM intercept_logs WHERE token_hash = $1 AND created_at < now() - interval '30 minutes'`, [
        a.hash,
      ]);
      expect(await countOf(a.hash)).toBe(5);
      expect(await countOf(a.hash)).toBe(await logCount(a.hash));

      // The list and the detail read the counter.
      const detail = await bindings.get(a.id);
      expect(detail?.interceptCount).toBe(5);

      // A token bound after it was intercepted starts from the rows it already has.
      await q(`DELETE FROM token_bindings WHERE id = $1::bigint`, [b.id]);
      const [rebound] = await q<{ n: string }>(
        `INSERT INTO token_bindings (token_hash, token_mask, rule_kind, rule_entries, first_ip)
         VALUES ($1, 'sk-t…', 'all', '{}', '10.0.0.1') RETURNING intercept_count::text AS n`,
        [b.hash],
      );
      expect(Number(rebound.n)).toBe(2);
      const [fromStranger] = await q<{ n: string }>(
        `INSERT INTO token_bindings (token_hash, token_mask, rule_kind, rule_entries, first_ip)
         VALUES ($1, 'sk-t…', 'all', '{}', '10.0.0.1') RETURNING intercept_count::text AS n`,
        [stranger],
      );
      expect(Number(fromStranger.n)).toBe(1);
    });

    it('does not bump the binding version (caches are not invalidated by intercepts)', async () => {
      const a = await insertBinding({ lastUsedMinutesAgo: 1, createdMinutesAgo: 1 });
      const version = async () =>
        (await q<{ v: string }>(`SELECT version::text AS v FROM token_bindings WHERE id = $1::bigint`, [a.id]))[0].v;
      const before = await version();
      await writer.insertIntercepts([intercept(a.hash, new Date())]);
      expect(await countOf(a.hash)).toBe(1);
      expect(await version()).toBe(before);
    });
  });

  describe('binding list keyset paging', () => {
    let ids: Set<string>;

    beforeAll(async () => {
      await q(`DELETE FROM intercept_logs`);
      await q(`DELETE FROM token_bindings`);
      ids = new Set();
      // 23 bindings: ties in every sort key, 4 never used, 3 banned, varied intercept counts.
      const events: InterceptEvent[] = [];
      for (let i = 0; i < 23; i++) {
        const b = await insertBinding({
          lastUsedMinutesAgo: i % 6 === 5 ? null : (i * 7) % 11,
          createdMinutesAgo: 100 + (i % 4),
          status: i % 8 === 3 ? 'banned' : 'active',
        });
        ids.add(b.id);
        for (let k = 0; k < i % 5; k++) events.push(intercept(b.hash, new Date(Date.now() - (i * 13 + k) * 1000)));
      }
      await writer.insertIntercepts(events);
    }, 60_000);

    /** Every page through `nextCursor`, and every page by offset. */
    async function walk(base: BindingListQuery, pageSize: number) {
      const byCursor: string[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 50; guard++) {
        const page = await bindings.list({ ...base, pageSize, cursor });
        expect(page.items.length).toBeLessThanOrEqual(pageSize);
        byCursor.push(...page.items.map((b) => b.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      const byOffset: string[] = [];
      for (let p = 1; p < 50; p++) {
        const page = await bindings.list({ ...base, pageSize, page: p });
        byOffset.push(...page.items.map((b) => b.id));
        if (page.items.length < pageSize) break;
      }
      return { byCursor, byOffset };
    }

    const sorts: [BindingSortField, SortOrder][] = [
      ['last_used', 'desc'],
      ['last_used', 'asc'],
      ['created', 'desc'],
      ['created', 'asc'],
      ['intercepts', 'desc'],
      ['intercepts', 'asc'],
    ];

    it.each(sorts)('sort %s %s: cursor pages are the offset pages, every row once, in order', async (sort, order) => {
      const { byCursor, byOffset } = await walk({ sort, order }, 5);
      expect(byCursor).toEqual(byOffset);
      expect(new Set(byCursor)).toEqual(ids);
      expect(byCursor).toHaveLength(ids.size);

      // The order the contract promises, checked against the rows themselves.
      const all = (await bindings.list({ sort, order, pageSize: 200 })).items;
      expect(all.map((b) => b.id)).toEqual(byCursor);
      const keyOf = (b: (typeof all)[number]): number =>
        sort === 'intercepts'
          ? b.interceptCount
          : sort === 'created'
            ? Date.parse(b.createdAt)
            : b.lastUsedAt === null
              ? -Infinity
              : Date.parse(b.lastUsedAt);
      for (let i = 1; i < all.length; i++) {
        const [prev, cur] = [all[i - 1], all[i]];
        const cmp = keyOf(prev) === keyOf(cur) ? Number(BigInt(prev.id) - BigInt(cur.id)) : keyOf(prev) - keyOf(cur);
        if (order === 'desc') expect(cmp).toBeGreaterThan(0);
        else expect(cmp).toBeLessThan(0);
      }
      if (sort === 'last_used') {
        // Never-used bindings come last descending, first ascending.
        const nulls = all.filter((b) => b.lastUsedAt === null).length;
        expect(nulls).toBeGreaterThan(0);
        const edge = order === 'desc' ? all.slice(-nulls) : all.slice(0, nulls);
        expect(edge.every((b) => b.lastUsedAt === null)).toBe(true);
      }
    });

    it('keeps filters across cursor pages and ends with a null cursor', async () => {
      const { byCursor, byOffset } = await walk({ status: 'active', sort: 'intercepts' }, 4);
      expect(byCursor).toEqual(byOffset);
      const active = (await bindings.list({ status: 'active', pageSize: 200 })).items;
      expect(new Set(byCursor)).toEqual(new Set(active.map((b) => b.id)));
      expect(active.every((b) => b.status === 'active')).toBe(true);
      const recent = await bindings.list({
        lastUsedFrom: new Date(Date.now() - 3.5 * 60_000).toISOString(),
        pageSize: 200,
      });
      expect(recent.items.length).toBeGreaterThan(0);
      expect(
        recent.items.every((b) => b.lastUsedAt !== null && Date.parse(b.lastUsedAt) >= Date.now() - 4 * 60_000),
      ).toBe(true);
      const until = await bindings.list({ lastUsedTo: new Date().toISOString(), pageSize: 200 });
      expect(until.items.every((b) => b.lastUsedAt !== null)).toBe(true);
      const everyone = (await bindings.list({ pageSize: 200 })).items;
      expect(until.total).toBe(everyone.filter((b) => b.lastUsedAt !== null).length);
      expect(until.total).toBeLessThan(ids.size);
      const last = await bindings.list({ pageSize: 200 });
      expect(last.nextCursor).toBeNull();
      expect(last.total).toBe(ids.size);
      expect(last.totalExact).toBe(true);
    });

    it('refuses a cursor issued for another sort or order, and a forged one', async () => {
      const first = await bindings.list({ sort: 'created', order: 'desc', pageSize: 3 });
      const cursor = first.nextCursor as string;
      expect(cursor).toEqual(expect.any(String));
      await expect(bindings.list({ sort: 'created', order: 'asc', cursor })).rejects.toBeInstanceOf(AdminApiError);
      await expect(bindings.list({ sort: 'intercepts', cursor })).rejects.toMatchObject({
        status: 400,
        code: 'validation_failed',
      });
      const forged = Buffer.from(JSON.stringify(['bindings:created:desc', "1'; DROP TABLE x; --", '1'])).toString(
        'base64url',
      );
      await expect(bindings.list({ sort: 'created', cursor: forged })).rejects.toMatchObject({ status: 400 });
      await expect(bindings.list({ sort: 'created', cursor: 'not-base64-json' })).rejects.toMatchObject({
        status: 400,
      });
    });
  });

  describe('log list keyset paging', () => {
    it('walks every row once newest first, by cursor as by offset, with filters', async () => {
      const h = tokenHash();
      const base = Date.now() - 60_000;
      // Same-millisecond timestamps: the id breaks ties.
      await writer.insertIntercepts(
        Array.from({ length: 17 }, (_, i) =>
          intercept(h, new Date(base - Math.floor(i / 3) * 1000), i % 2 ? '198.51.100.1' : '198.51.100.2'),
        ),
      );
      const walk = async (filters: { token?: string; clientIp?: string }) => {
        const byCursor: string[] = [];
        let cursor: string | undefined;
        for (let guard = 0; guard < 50; guard++) {
          const page = await logs.list({ ...filters, pageSize: 4, cursor });
          byCursor.push(...page.items.map((r) => r.id));
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        const all = await logs.list({ ...filters, pageSize: 200 });
        return { byCursor, all };
      };
      const { byCursor, all } = await walk({ token: h });
      expect(all.total).toBe(17);
      expect(all.nextCursor).toBeNull();
      expect(byCursor).toEqual(all.items.map((r) => r.id));
      for (let i = 1; i < all.items.length; i++) {
        const [p, c] = [all.items[i - 1], all.items[i]];
        expect(
          Date.parse(p.createdAt) > Date.parse(c.createdAt) ||
            (p.createdAt === c.createdAt && BigInt(p.id) > BigInt(c.id)),
        ).toBe(true);
      }
      const byIp = await walk({ token: h, clientIp: '198.51.100.1' });
      expect(byIp.byCursor).toHaveLength(8);
      expect(byIp.byCursor).toEqual(byIp.all.items.map((r) => r.id));
      await expect(
        logs.list({ cursor: (await bindings.list({ pageSize: 1 })).nextCursor as string }),
      ).rejects.toMatchObject({ status: 400 });
    });

    it('orders ties in time by numeric id (9 < 10 < 100 as numbers, not as text), in pages and in the export', async () => {
      const h = tokenHash();
      const ids = ['9000000000000000', '10000000000000000', '100000000000000000'];
      for (const id of ids) {
        await q(
          `INSERT INTO intercept_logs (id, token_hash, token_mask, client_ip, rule_kind, binding_status, reason, method, path, created_at)
           VALUES ($1::bigint, $2, 'sk-tie…', '203.0.113.9', 'all', 'active', 'banned', 'GET', '/v1/models', '2020-01-01T00:00:00Z')`,
          [id, h],
        );
      }
      const newestFirst = [...ids].reverse();
      const filters = { from: '2019-12-31T00:00:00Z', to: '2020-01-02T00:00:00Z' };
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await logs.list({ ...filters, pageSize: 1, cursor });
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && seen.length < 10);
      expect(seen).toEqual(newestFirst);
      expect((await logs.list({ ...filters, pageSize: 10 })).items.map((r) => r.id)).toEqual(newestFirst);

      const lines: string[] = [];
      let position: Awaited<ReturnType<LogsRepository['csvBatch']>>['cursor'] = null;
      for (let i = 0; i < 10; i++) {
        const batch = await logs.csvBatch(filters, position, 1);
        lines.push(...batch.chunks);
        if (batch.rows < 1 || !batch.cursor) break;
        position = batch.cursor;
      }
      expect(lines).toHaveLength(3);
      expect(lines.every((l) => l.includes('"sk-tie…"') && l.endsWith('\r\n'))).toBe(true);
      await q(`DELETE FROM intercept_logs WHERE token_hash = $1`, [h]);
    });

    it(`counts exactly up to ${EXACT_TOTAL_LIMIT} matches and estimates above`, async () => {
      await q(
        `INSERT INTO intercept_logs (token_hash, token_mask, client_ip, rule_kind, binding_status, reason, method, path, created_at)
         SELECT $1, 'sk-many…', '203.0.113.5', 'all', 'active', 'banned', 'GET', '/v1/models', now() - g * interval '1 second'
           FROM generate_series(1, $2::int) g`,
        [tokenHash(), EXACT_TOTAL_LIMIT + 50],
      );
      await q(`ANALYZE intercept_logs`);
      const big = await logs.list({ reason: 'banned', pageSize: 10 });
      expect(big.totalExact).toBe(false);
      expect(big.total).toBeGreaterThan(EXACT_TOTAL_LIMIT);
      expect(big.items).toHaveLength(10);
      const small = await logs.list({ reason: 'ip_not_allowed', pageSize: 10 });
      expect(small.totalExact).toBe(true);
    }, 60_000);
  });
});
