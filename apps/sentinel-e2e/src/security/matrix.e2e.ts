import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { api, login } from '../admin/admin-support';
import { HeldRelay } from '../support/held-relay';
import { http, type HttpResult } from '../support/http';
import { RealStack } from '../support/stack';
import { SentinelProcess, TEST_SECRETS } from '../support/sentinel-process';
import { describeWithServices, testRedisUrl } from '@sentinel/testing-support';

/**
 * docs/security-cases.md as named tests against the BUILT server (dist/apps/sentinel).
 * Cases proven at length elsewhere are re-proved here by their essential assertion; see
 * docs/SECURITY.md for the full map. Needs PostgreSQL and Redis (skips unless REQUIRE_SERVICES=1 and
 * they are missing).
 */

/** A New API-shaped key: 48 characters of [0-9a-zA-Z]. */
const newKey = (): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(48), (b) => alphabet[b % alphabet.length]).join('');
};

const call = (
  base: string,
  key: string | null,
  from: string,
  extra: Record<string, string> = {},
): Promise<HttpResult> =>
  http(`${base}/v1/models`, { headers: { ...(key ? { authorization: `Bearer sk-${key}` } : {}), ...extra }, from });

/** Writes raw bytes on a fresh socket; resolves with everything read until the server closes (or `waitMs`). */
function raw(port: number, bytes: string | Buffer, waitMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.9' });
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, waitMs);
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('error', (e) => {
      if (out) return;
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(bytes);
  });
}

/** Short, so case 29's slow-header 408 comes quickly; every other request sends its headers at once. */
const HEADERS_TIMEOUT_MS = 3_000;

describeWithServices(['postgres', 'redis'], 'security matrix (docs/security-cases.md)', () => {
  let stack: RealStack | null = null;
  let s: SentinelProcess;
  let base: string;
  let port: number;
  let token: string;
  /** Every raw key this file sends: case 14 looks for each of them everywhere. */
  const sentKeys: string[] = [];
  const K = (): string => {
    const k = newKey();
    sentKeys.push(k);
    return k;
  };

  async function bindingOf(key: string) {
    const tokenId = createHmac('sha256', TEST_SECRETS.SENTINEL_HMAC_SECRET).update(key.toLowerCase()).digest('hex');
    const r = await api<{
      items: { id: string; tokenId: string; ruleKind: string; ruleEntries: string[]; status: string }[];
    }>(base, 'GET', `bindings?token=${tokenId.slice(0, 16)}`, { token });
    expect(r.status).toBe(200);
    return r.json.items.find((b) => b.tokenId === tokenId) ?? null;
  }

  async function interceptCount(key: string): Promise<number> {
    const b = await bindingOf(key);
    if (!b) return 0;
    const rows = await (stack as RealStack).db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM intercept_logs WHERE token_hash = $1`,
      [createHmac('sha256', TEST_SECRETS.SENTINEL_HMAC_SECRET).update(key.toLowerCase()).digest('hex')],
    );
    return Number(rows[0]?.n ?? 0);
  }

  beforeAll(async () => {
    stack = await RealStack.start();
    if (!stack) return;
    s = await stack.sentinel({ APP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) });
    base = s.url;
    port = Number(new URL(base).port);
    token = await login(base);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Binds `key` from 127.0.0.2 and sets its rule through the admin API. */
  async function setRule(key: string, ruleKind: 'single' | 'multiple' | 'all', entries: string[]): Promise<void> {
    expect((await call(base, key, '127.0.0.2')).status).toBe(200);
    const b = await bindingOf(key);
    expect(b).not.toBeNull();
    const r = await api(base, 'PUT', 'bindings/ip', { token, body: { id: b?.id, ruleKind, entries } });
    expect([r.status, r.body]).toEqual([200, expect.any(String)]);
  }

  it('case 8: CIDR edges — /32, first and last of a range, 0.0.0.0/0, ::/0', async () => {
    if (!stack) return;
    const k32 = K();
    await setRule(k32, 'multiple', ['127.0.0.5/32']);
    expect((await call(base, k32, '127.0.0.5')).status).toBe(200);
    expect((await call(base, k32, '127.0.0.4')).status).toBe(403);
    expect((await call(base, k32, '127.0.0.6')).status).toBe(403);

    const range = K();
    await setRule(range, 'multiple', ['127.0.1.0/30']); // 127.0.1.0 – 127.0.1.3
    expect((await call(base, range, '127.0.1.0')).status).toBe(200);
    expect((await call(base, range, '127.0.1.3')).status).toBe(200);
    expect((await call(base, range, '127.0.1.4')).status).toBe(403);
    expect((await call(base, range, '127.0.0.255')).status).toBe(403);

    const everyV4 = K();
    await setRule(everyV4, 'multiple', ['0.0.0.0/0', '::/0']);
    for (const from of ['127.0.0.7', '127.0.9.9', '127.255.255.254'])
      expect((await call(base, everyV4, from)).status).toBe(200);
  });

  it('case 9: multiple — a listed address passes, an unlisted one gets 403 and an intercept row', async () => {
    if (!stack) return;
    const k = K();
    await setRule(k, 'multiple', ['127.0.0.2', '127.0.0.3', '127.0.2.0/24']);
    expect((await call(base, k, '127.0.0.3')).status).toBe(200);
    expect((await call(base, k, '127.0.2.77')).status).toBe(200);
    const before = await interceptCount(k);
    expect((await call(base, k, '127.0.0.4')).status).toBe(403);
    await expect(eventuallyAbove(() => interceptCount(k), before)).resolves.toBe(true);
  });

  it('case 10: all — any address passes; banned — every address gets 403 and an intercept row', async () => {
    if (!stack) return;
    const k = K();
    await setRule(k, 'all', []);
    for (const from of ['127.0.0.2', '127.0.3.3', '127.0.4.4']) expect((await call(base, k, from)).status).toBe(200);
    const b = await bindingOf(k);
    expect((await api(base, 'POST', 'bindings/ban', { token, body: { id: b?.id } })).status).toBe(200);
    const before = await interceptCount(k);
    for (const from of ['127.0.0.2', '127.0.3.3']) expect((await call(base, k, from)).status).toBe(403);
    await expect(eventuallyAbove(() => interceptCount(k), before + 1)).resolves.toBe(true);
  });

  it('case 15: missing / malformed credentials and a 10 KB token → no binding, no crash', async () => {
    if (!stack) return;
    const bindingsBefore = await stack.db.query<{ n: string }>('SELECT count(*)::text AS n FROM token_bindings');
    const huge = 'A'.repeat(10_240);
    const cases: [Record<string, string>, number[]][] = [
      [{}, [200]], // no key: forwarded, New API (here the fake) answers
      [{ authorization: `Bearer sk-${huge}` }, [400]],
      [{ authorization: `Bearer sk-${huge}`, 'x-api-key': `sk-${huge.slice(0, 5_000)}` }, [400]],
      [{ authorization: `Bearer sk-${huge}`, 'x-api-key': `sk-${huge}` }, [431]], // 20 KB of headers: over 16 KiB
      [{ authorization: 'Bearer sk-abc def' }, [400]],
      [{ authorization: `Bearer sk-${newKey()}`, 'x-api-key': `sk-${newKey()}` }, [400]],
    ];
    for (const [headers, allowed] of cases) {
      const r = await call(base, null, '127.0.0.8', headers);
      const n = (await stack.db.query<{ n: string }>('SELECT count(*)::text AS n FROM token_bindings'))[0].n;
      const label = JSON.stringify(headers).slice(0, 60);
      expect([label, r.status, allowed.includes(r.status), n]).toEqual([label, r.status, true, bindingsBefore[0].n]);
    }
    const dup = await http(`${base}/v1/models`, {
      rawHeaders: [
        ['Authorization', `Bearer sk-${newKey()}`],
        ['Authorization', `Bearer sk-${newKey()}`],
      ],
      from: '127.0.0.8',
    });
    expect(dup.status).toBe(400);
    const bindingsAfter = await stack.db.query<{ n: string }>('SELECT count(*)::text AS n FROM token_bindings');
    expect(bindingsAfter[0].n).toBe(bindingsBefore[0].n);
    expect((await http(`${base}/health`)).status).toBe(200);
    expect(s.exitCode).toBeNull();
  });

  // Found by this suite: `Authorization: Bearer ` (HTTP trims it to `Bearer`) used to bind the
  // "key" `Bearer`, so every other client sending an empty bearer got 403s and alerts for a key that
  // does not exist. A bare scheme word is no key now (forwarded; New API answers 401).
  it('case 15: an empty bearer (`Authorization: Bearer `) creates no binding', async () => {
    if (!stack) return;
    const before = (await stack.db.query<{ n: string }>('SELECT count(*)::text AS n FROM token_bindings'))[0].n;
    await call(base, null, '127.0.0.8', { authorization: 'Bearer ' });
    const after = (await stack.db.query<{ n: string }>('SELECT count(*)::text AS n FROM token_bindings'))[0].n;
    expect(after).toBe(before);
  });

  it('case 16: JWT with alg none, another algorithm, expired, wrong signature → 401', async () => {
    if (!stack) return;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    const sign = (header: object, body: object, secret: string, alg = 'sha256') => {
      const head = `${b64(header)}.${b64(body)}`;
      return `${head}.${createHmac(alg, secret).update(head).digest('base64url')}`;
    };
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`,
      sign({ alg: 'HS512', typ: 'JWT' }, payload, TEST_SECRETS.ADMIN_JWT_SECRET, 'sha512'),
      sign({ alg: 'HS256', typ: 'JWT' }, { ...payload, iat: now - 100, exp: now - 10 }, TEST_SECRETS.ADMIN_JWT_SECRET),
      sign({ alg: 'HS256', typ: 'JWT' }, payload, 'not-the-secret-0123456789abcdef0123456789abcd'),
    ];
    for (const t of bad) expect((await api(base, 'GET', 'bindings', { token: t })).status).toBe(401);
    expect((await api(base, 'GET', 'bindings', { token })).status).toBe(200);
  });

  it('case 28: Content-Length + Transfer-Encoding, duplicate Content-Length, bad chunk sizes → 400, upstream never sees them', async () => {
    if (!stack) return;
    const k = K();
    const seen = stack.upstream.requests.length;
    const head = (extra: string, key = k) =>
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-${key}\r\nContent-Type: application/json\r\n${extra}\r\n`;
    const chunkKey = K();
    const smuggle = 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}';
    const attacks = [
      `${head('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n')}0\r\n\r\n${smuggle}`,
      `${head('Content-Length: 2\r\nContent-Length: 40\r\n')}{}${smuggle}`,
      `${head('Transfer-Encoding: chunked\r\n', chunkKey)}zz\r\n{}\r\n0\r\n\r\n${smuggle}`,
      `${head('Transfer-Encoding: chunked\r\n', chunkKey)}-2\r\n{}\r\n0\r\n\r\n${smuggle}`,
      `${head('Transfer-Encoding: chunked\r\n', chunkKey)}2;\x01\r\n{}\r\n0\r\n\r\n${smuggle}`,
    ];
    for (const a of attacks) {
      const answer = await raw(port, a);
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
      expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1); // one answer: the smuggled request is never parsed
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(stack.upstream.requests.length).toBe(seen);
    // Header-level framing errors are refused before any decision: no binding.
    expect(await bindingOf(k)).toBeNull();
    // A bad chunk size is only seen after the headers were accepted, so the guard has already
    // decided (and bound chunkKey to this client's own address) when the parser refuses the body.
    // Harmless — the key came from this client — but noted in docs/SECURITY.md.
  });

  it('case 29: headers over 16 KiB → 431', async () => {
    if (!stack) return;
    const seen = stack.upstream.requests.length;
    const answer = await raw(port, `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(stack.upstream.requests.length).toBe(seen);
  });

  it('case 29: headers sent byte by byte → 408 within the headers timeout (APP_HEADERS_TIMEOUT_MS)', async () => {
    if (!stack) return;
    const seen = stack.upstream.requests.length;
    // One byte every 100 ms, forever: an active but never-finished header block (slowloris).
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.9' });
      let out = '';
      const bytes = Buffer.from(`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(10_000)}`);
      let i = 0;
      const drip = setInterval(() => socket.writable && i < bytes.length && socket.write(bytes.subarray(i, ++i)), 100);
      const deadline = setTimeout(() => socket.destroy(), HEADERS_TIMEOUT_MS + 15_000);
      socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(drip);
        clearTimeout(deadline);
        resolve(out);
      });
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    // Not before the timeout (Node measures from the first byte); the upper bound is the deadline above.
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(stack.upstream.requests.length).toBe(seen);
  });

  it('case 14: raw keys appear nowhere — PostgreSQL, Redis, Sentinel output, CSV export, intercept rows', async () => {
    if (!stack) return;
    // Make sure this case has traffic of its own: a bind, an intercept, a conflict.
    const k = K();
    expect((await call(base, k, '127.0.0.2')).status).toBe(200);
    expect((await call(base, k, '127.0.0.3')).status).toBe(403);
    await new Promise((r) => setTimeout(r, 1_500)); // let queued intercept rows and last_used_at flush
    const needles = sentKeys.flatMap((key) => [key, key.toLowerCase()]);
    const findIn = (where: string, text: string) =>
      needles.filter((n) => text.includes(n)).map((n) => `${where}: ${n.slice(0, 6)}…`);

    // PostgreSQL: every row of every table in the test database, as text.
    const tables = await stack.db.query<{ t: string }>(
      `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`,
    );
    expect(tables.length).toBeGreaterThan(0);
    let dump = '';
    for (const { t } of tables)
      for (const row of await stack.db.query<{ r: string }>(`SELECT x::text AS r FROM ${t} x`)) dump += `${row.r}\n`;
    expect(dump).toContain(
      createHmac('sha256', TEST_SECRETS.SENTINEL_HMAC_SECRET).update(k.toLowerCase()).digest('hex'),
    ); // the dump is real
    const leaks = findIn('postgres', dump);

    // Redis: every key and value under the test prefix.
    const { default: Redis } = await import('ioredis');
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    try {
      let cursor = '0';
      let redisText = '';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${stack.prefix}*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          redisText += `${key}\n`;
          const type = await redis.type(key);
          if (type === 'string') redisText += `${await redis.get(key)}\n`;
          else if (type === 'hash') redisText += `${JSON.stringify(await redis.hgetall(key))}\n`;
          else if (type === 'set') redisText += `${(await redis.smembers(key)).join('\n')}\n`;
          else if (type === 'zset') redisText += `${(await redis.zrange(key, 0, -1)).join('\n')}\n`;
          else if (type === 'list') redisText += `${(await redis.lrange(key, 0, -1)).join('\n')}\n`;
          else redisText += `${((await redis.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('latin1')}\n`;
        }
      } while (cursor !== '0');
      leaks.push(...findIn('redis', redisText));
    } finally {
      redis.disconnect();
    }

    // Sentinel's stdout/stderr, the CSV export and the intercept rows of the API.
    leaks.push(...findIn('sentinel output', s.output));
    const csv = await http(`${base}/admin/api/logs/export`, { headers: { authorization: `Bearer ${token}` } });
    expect(csv.status).toBe(200);
    leaks.push(...findIn('csv export', csv.body));
    const logs = await api(base, 'GET', 'logs?pageSize=100', { token });
    expect(logs.status).toBe(200);
    leaks.push(...findIn('intercept rows (API)', logs.body));
    expect(leaks).toEqual([]);
  });

  it('case 12: unbind / ban while a cache fill is in flight (PostgreSQL answers held) → no request is allowed by the old binding after the admin call returned', async () => {
    if (!stack) return;
    // Instance B reaches PostgreSQL through a relay that can hold the answers to one token's
    // lookups; A (the admin's instance) and both instances' Redis are direct.
    const relay = await HeldRelay.to('postgres').start();
    const { default: Redis } = await import('ioredis');
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    try {
      const b = await stack.sentinel({ APP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) }, { pg: relay.port });
      const hashOf = (key: string) =>
        createHmac('sha256', TEST_SECRETS.SENTINEL_HMAC_SECRET).update(key.toLowerCase()).digest('hex');

      /**
       * B (which has never seen `key`) starts a request whose binding lookup goes to PostgreSQL and
       * is held there; the admin change runs through A and returns; then B gets a second request,
       * also held; then PostgreSQL's answers are released.
       */
      async function straddle(key: string, from: string, change: () => Promise<void>) {
        await redis.del(`${stack?.prefix}binding:${hashOf(key)}`); // B must ask PostgreSQL
        relay.hold(hashOf(key)); // answers to this token's lookups wait
        const inFlight = call(b.url, key, from);
        // The lookup for this token is on the wire (its hash is the query's bind parameter).
        await until(() => relay.heldConnections() >= 1, 'the in-flight lookup reached PostgreSQL');
        await change(); // committed, invalidated and published before it returns
        const after = call(b.url, key, from);
        // B looks a token up once at a time: the second request joins the lookup in flight, which
        // repeats itself once released because the invalidation arrived meanwhile. (Had B sent a
        // lookup of its own, it would be held too.) Give the request a moment to reach B; if it
        // arrives only after the release it is decided on a fresh lookup, which must refuse it too.
        await until(() => relay.heldConnections() >= 2, 'a second lookup reached PostgreSQL', 1_000).catch(
          () => undefined,
        );
        relay.release();
        return { inFlight: (await inFlight).status, after: (await after).status };
      }

      // Ban: the request in flight across the ban and every later one are refused, on both instances.
      const banned = K();
      expect((await call(base, banned, '127.0.0.2')).status).toBe(200);
      const bb = await bindingOf(banned);
      const ban = await straddle(banned, '127.0.0.2', async () => {
        expect((await api(base, 'POST', 'bindings/ban', { token, body: { id: bb?.id } })).status).toBe(200);
      });
      expect(ban).toEqual({ inFlight: 403, after: 403 });
      expect((await call(b.url, banned, '127.0.0.2')).status).toBe(403); // B cached no pre-ban state
      expect((await call(base, banned, '127.0.0.2')).status).toBe(403);

      // Unbind: the old rule allowed .2 and .3; the token binds afresh to the next client (.3),
      // and .2 — allowed only by the old binding — is refused everywhere afterwards.
      const unbound = K();
      await setRule(unbound, 'multiple', ['127.0.0.2', '127.0.0.3']);
      const old = await bindingOf(unbound);
      const unbind = await straddle(unbound, '127.0.0.3', async () => {
        expect((await api(base, 'POST', 'bindings/unbind', { token, body: { id: old?.id } })).status).toBe(200);
      });
      expect(unbind).toEqual({ inFlight: 200, after: 200 }); // first use of the new binding
      const fresh = await bindingOf(unbound);
      expect(fresh?.id).not.toBe(old?.id);
      expect(fresh?.ruleEntries).toEqual(['127.0.0.3/32']);
      expect((await call(b.url, unbound, '127.0.0.2')).status).toBe(403);
      expect((await call(base, unbound, '127.0.0.2')).status).toBe(403);
    } finally {
      redis.disconnect();
      await relay.stop();
    }
  });

  it('case 20: a hanging webhook endpoint does not slow the proxy; each attempt times out and is retried with backoff', async () => {
    if (!stack) return;
    // A receiver that accepts and never answers.
    const arrivals: number[] = [];
    const sockets = new Set<import('node:net').Socket>();
    const receiver = createServer((req) => {
      arrivals.push(Date.now());
      req.resume();
    });
    receiver.on('connection', (c) => (sockets.add(c), c.on('close', () => sockets.delete(c))));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as import('node:net').AddressInfo).port}/hook`;
    const keys = ['alertWebhookUrl', 'alertAllowPrivateTargets', 'alertThresholdCount'];
    try {
      // Loopback is refused by the SSRF guard unless private targets are allowed (case 19).
      const set = await api(base, 'PUT', 'settings', {
        token,
        body: { values: { alertWebhookUrl: hook, alertAllowPrivateTargets: true, alertThresholdCount: 1 } },
      });
      expect(set.status).toBe(200);
      const good = K();
      expect((await call(base, good, '127.0.0.2')).status).toBe(200);
      const timed = async () => {
        const t = process.hrtime.bigint();
        expect((await call(base, good, '127.0.0.2')).status).toBe(200);
        return Number(process.hrtime.bigint() - t) / 1e6;
      };
      const before: number[] = [];
      for (let i = 0; i < 10; i++) before.push(await timed());

      // One intercept crosses the threshold (1): an alert goes to the hanging receiver.
      const offender = K();
      expect((await call(base, offender, '127.0.0.2')).status).toBe(200);
      expect((await call(base, offender, '127.0.0.3')).status).toBe(403);
      await until(() => arrivals.length >= 1, 'the first attempt reached the receiver');

      // While the attempt hangs, proxied requests keep flowing.
      const during: number[] = [];
      for (let i = 0; i < 20 && arrivals.length < 2; i++) during.push(await timed());
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(1);
      process.stdout.write(
        `[case 20] proxied latency median before ${med(before)} ms, during the hanging delivery ${med(during)} ms (max ${Math.max(...during).toFixed(1)} ms)\n`,
      );
      // A bound, not a timing claim: far below the 5 s attempt a blocked proxy would wait for.
      for (const ms of during) expect(ms).toBeLessThan(2_500);

      // The attempt times out (5 s), is recorded, and is retried after a backoff.
      await until(() => arrivals.length >= 2, 'the retry reached the receiver', 30_000);
      expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(5_000); // timeout + backoff, never sooner
      const rows = await stack.db.query<{ status: string; attempts: number; last_error: string | null }>(
        `SELECT status, attempts, last_error FROM alert_deliveries WHERE token_mask = $1 ORDER BY id`,
        [`sk-${offender.slice(0, 4)}…${offender.slice(-4)}`],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'pending', last_error: 'timed out after 5000 ms' });
      expect(rows[0].attempts).toBeGreaterThanOrEqual(1);
      expect((await call(base, good, '127.0.0.2')).status).toBe(200);
    } finally {
      await api(base, 'PUT', 'settings', { token, body: { reset: keys } });
      for (const c of sockets) c.destroy();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});

/** Polls `probe` until true; fails with `what` after `timeoutMs` (a deadline, not a timing claim). */
async function until(probe: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function eventuallyAbove(probe: () => Promise<number>, floor: number, timeoutMs = 5_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await probe()) > floor) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
