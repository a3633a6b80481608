import type { AuditListResponse, BindingDetailResponse, PrebindResponse } from '@sentinel/admin-contract';
import { randomBytes } from 'node:crypto';
import { describeWithServices, testRedisUrl } from '@sentinel/testing-support';
import { api, eventually, relay, tokenIdOf, useCluster, type AdminCluster } from './admin-support';

/** A fresh 48-character key body (New API's length) and its `sk-` form. */
const newKey = () => `pbk${randomBytes(23).toString('hex').slice(0, 45)}`;

/**
 * Pre-binding and find by key (issue 15, item 2), on two built instances sharing real PostgreSQL and
 * Redis. Raw keys travel only in request bodies; this file then searches the database, Redis, both
 * servers' output and the audit trail for every key it sent.
 */
describeWithServices(['postgres', 'redis'], 'pre-binding and find by key (two instances)', () => {
  let cluster!: AdminCluster;
  let A = '';
  let B = '';
  let token = '';
  const sent: string[] = [];
  useCluster(2, (c) => ({ cluster, A, B, token } = c));

  const prebind = (body: Record<string, unknown>) => api<PrebindResponse>(A, 'POST', 'bindings', { token, body });

  it('pre-binds 1,000 keys in one call; their first request from inside the rule is allowed, from elsewhere 403', async () => {
    const keys = Array.from({ length: 1_000 }, newKey);
    sent.push(...keys);
    const started = performance.now();
    const r = await prebind({
      keys: keys.map((k) => `sk-${k}`),
      ruleKind: 'single',
      entries: ['127.0.0.40'],
      label: 'team-prebind',
    });
    const ms = performance.now() - started;
    console.log(`pre-binding 1,000 keys in one call: ${ms.toFixed(0)} ms (HTTP round trip, two-instance cluster)`);
    expect(r.status).toBe(200);
    expect(r.json.created).toHaveLength(1_000);
    expect(r.json.conflicts).toEqual([]);
    expect(r.json.invalid).toEqual([]);
    expect(r.json.created.map((c) => c.index)).toEqual(keys.map((_, i) => i));
    expect(Object.keys(r.json.created[0]).sort()).toEqual(['id', 'index', 'tokenMask']);
    expect(r.json.created[0].tokenMask).toBe(`sk-${keys[0].slice(0, 4)}…${keys[0].slice(-4)}`);

    // First use of a pre-bound key: from its address 200, from any other 403 — never a first-use bind.
    expect((await relay(B, `sk-${keys[0]}`, '127.0.0.40')).status).toBe(200);
    expect((await relay(A, `sk-${keys[0]}`, '127.0.0.41')).status).toBe(403);
    expect((await relay(B, `sk-${keys[1]}`, '127.0.0.42')).status).toBe(403); // never used from inside
    expect((await relay(A, `sk-${keys[1]}`, '127.0.0.40')).status).toBe(200);
    for (const k of [keys[0], keys[1]]) {
      const d = await api<BindingDetailResponse>(A, 'GET', `bindings/${tokenIdOf(k.toLowerCase())}`, { token });
      expect(d.json.binding).toMatchObject({
        ruleKind: 'single',
        ruleEntries: ['127.0.0.40/32'],
        label: 'team-prebind',
        learning: false,
      });
    }
    // One audit row per binding created.
    const [{ n }] = await cluster.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM admin_audit WHERE action = 'binding.prebind'`,
    );
    expect(n).toBe(1_000);
  });

  it('reports conflicts (never overwritten), replaces with replace: true, and names malformed keys by index', async () => {
    const k = newKey();
    sent.push(k);
    expect((await relay(A, `sk-${k}`, '127.0.0.50')).status).toBe(200); // bound by first use
    const conflict = await prebind({
      keys: [`sk-${k}`, 'sk-', 'two words', `sk-${k}-3`],
      ruleKind: 'all',
      entries: [],
    });
    expect(conflict.status).toBe(200);
    expect(conflict.json.created).toEqual([]);
    expect(conflict.json.conflicts.map((c) => c.index)).toEqual([0]);
    expect(conflict.json.invalid.map((i) => i.index)).toEqual([1, 2, 3]); // 3: the same key as keys[0]
    expect(JSON.stringify(conflict.json)).not.toContain(k);
    expect((await relay(B, `sk-${k}`, '127.0.0.51')).status).toBe(403); // left as it was

    const replaced = await prebind({ keys: [`sk-${k}`], ruleKind: 'multiple', entries: ['127.0.0.51'], replace: true });
    expect(replaced.json.replaced.map((c) => c.index)).toEqual([0]);
    // Enforced on both instances when the call returns (their caches held the old rule).
    expect((await relay(B, `sk-${k}`, '127.0.0.51')).status).toBe(200);
    expect((await relay(A, `sk-${k}`, '127.0.0.50')).status).toBe(403);
    expect((await prebind({ keys: [], ruleKind: 'all', entries: [] })).status).toBe(400);
    expect((await prebind({ keys: Array(1_001).fill('sk-x'), ruleKind: 'all', entries: [] })).status).toBe(400);
  });

  it('finds a binding by its key with a POST (404 when unbound), audited either way', async () => {
    const k = newKey();
    const unbound = newKey();
    sent.push(k, unbound);
    expect((await relay(A, `sk-${k}`, '127.0.0.60')).status).toBe(200);
    const found = await api<BindingDetailResponse>(B, 'POST', 'bindings/lookup', { token, body: { key: `sk-${k}` } });
    expect(found.status).toBe(200);
    expect(found.json.binding).toMatchObject({ tokenId: tokenIdOf(k.toLowerCase()), ruleEntries: ['127.0.0.60/32'] });
    // The same key as the proxy sees it: any case, a channel suffix.
    const upper = await api(B, 'POST', 'bindings/lookup', { token, body: { key: `sk-${k.toUpperCase()}-2` } });
    expect(upper.status).toBe(200);
    const missing = await api(A, 'POST', 'bindings/lookup', { token, body: { key: `sk-${unbound}` } });
    expect(missing.status).toBe(404);
    expect((await api(A, 'POST', 'bindings/lookup', { token, body: { key: 'sk-' } })).status).toBe(400);
    expect((await api(A, 'POST', 'bindings/lookup', { body: { key: `sk-${k}` } })).status).toBe(401);
    const audit = await api<AuditListResponse>(A, 'GET', 'audit?action=binding.lookup&pageSize=50', { token });
    expect(audit.status).toBe(200);
    const rows = audit.json.items.filter((e) => e.action === 'binding.lookup');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.map((e) => (e.after as { found: boolean }).found)).toEqual(expect.arrayContaining([true, false]));
  });

  it('no raw key anywhere: PostgreSQL (every table), Redis (every key and value), both servers’ output, the audit', async () => {
    const c = cluster;
    await new Promise((r) => setTimeout(r, 1_500)); // queued intercept rows and last use flushed
    const needles = sent.flatMap((k) => [k, k.toLowerCase()]);
    const leaks = (where: string, text: string) =>
      needles.filter((n) => text.includes(n)).map((n) => `${where}: ${n.slice(0, 6)}…`);
    const tables = await c.db.query<{ t: string }>(
      `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS t FROM information_schema.tables
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`,
    );
    let dump = '';
    for (const { t } of tables)
      for (const row of await c.db.query<{ r: string }>(`SELECT x::text AS r FROM ${t} x`)) dump += `${row.r}\n`;
    expect(dump).toContain(tokenIdOf(sent[0].toLowerCase())); // the dump is real
    const found = leaks('postgres', dump);

    const { default: Redis } = await import('ioredis');
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    try {
      let cursor = '0';
      let text = '';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${c.prefix}*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          const type = await redis.type(key);
          text += `${key}\n`;
          if (type === 'string') text += `${await redis.get(key)}\n`;
          else if (type === 'hash') text += `${JSON.stringify(await redis.hgetall(key))}\n`;
          else if (type === 'zset') text += `${(await redis.zrange(key, 0, -1)).join('\n')}\n`;
          else if (type === 'set') text += `${(await redis.smembers(key)).join('\n')}\n`;
          else if (type === 'list') text += `${(await redis.lrange(key, 0, -1)).join('\n')}\n`;
        }
      } while (cursor !== '0');
      found.push(...leaks('redis', text));
    } finally {
      redis.disconnect();
    }
    for (const [i, s] of c.instances.entries()) found.push(...leaks(`sentinel ${i} output`, s.output));
    const audit = await eventually(
      () => api(A, 'GET', 'audit?pageSize=200', { token }),
      (r) => r.status === 200,
    );
    found.push(...leaks('audit (API)', audit.body));
    expect(found).toEqual([]);
  });
});
