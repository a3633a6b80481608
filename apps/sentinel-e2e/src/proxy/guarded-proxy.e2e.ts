import { request } from 'node:http';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { FakeUpstream } from '../support/fake-upstream';
import { fetchFrom } from '../support/fetch-from';
import { http } from '../support/http';
import { SentinelProcess } from '../support/sentinel-process';
import type { TestDatabase } from '../support/services';
import { RealStack } from '../support/stack';
import { describeWithServices } from '@sentinel/testing-support';

const key = (n: number) => `k${String(n).padStart(47, '0')}`; // 48 chars like New API's keys

describeWithServices(['postgres', 'redis'], 'the guarded proxy on real PostgreSQL and Redis', () => {
  let enabled = false;
  let stack: RealStack;
  let upstream: FakeUpstream;
  let db: TestDatabase;
  let sentinel: SentinelProcess;

  beforeAll(async () => {
    const started = await RealStack.start();
    enabled = started !== null;
    if (!started) return;
    stack = started;
    ({ upstream, db } = stack);
    sentinel = await stack.sentinel();
  });
  afterAll(async () => {
    if (enabled) await stack.stop();
  });

  const bindings = async (mask?: string) =>
    db.query<{ token_hash: string; token_mask: string; rule_kind: string; rule_entries: string }>(
      `SELECT token_hash, token_mask, rule_kind, rule_entries::text FROM token_bindings ${mask ? 'WHERE token_mask = $1' : ''}`,
      mask ? [mask] : [],
    );

  it('the openai SDK binds from one address and is refused, readably, from another', async () => {
    if (!enabled) return;
    const apiKey = `sk-${key(1)}`;
    const home = new OpenAI({ apiKey, baseURL: `${sentinel.url}/v1`, fetch: fetchFrom('127.0.0.2'), maxRetries: 0 });
    const models = await home.models.list();
    expect(models.data[0]?.id).toBe('gpt-test');
    const chat = await home.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.choices[0]?.message.content).toBe('hello');

    const rows = await bindings();
    const mine = rows.filter((r) => r.token_mask.startsWith('sk-k000'));
    expect(mine).toHaveLength(1);
    expect(mine[0].rule_kind).toBe('single');
    expect(mine[0].rule_entries).toBe('{127.0.0.2/32}');
    // The raw key is stored nowhere.
    expect(JSON.stringify(rows)).not.toContain(key(1));

    const thief = new OpenAI({ apiKey, baseURL: `${sentinel.url}/v1`, fetch: fetchFrom('127.0.0.3'), maxRetries: 0 });
    const err = await thief.models.list().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const denied = err as InstanceType<typeof OpenAI.PermissionDeniedError>;
    expect(denied.status).toBe(403);
    // The message names the address Sentinel saw, never the bound one, and err.requestID (read by
    // the SDK from X-Request-Id) is the id in the message.
    expect(denied.message).toMatch(
      /this API key is bound to another address; requests from 127\.0\.0\.3 are not allowed — ask the administrator of this gateway \(request id: /,
    );
    expect(denied.message).not.toContain('127.0.0.2');
    expect(denied.requestID).toMatch(/^[0-9a-z]+$/);
    expect(denied.message).toContain(`(request id: ${denied.requestID})`);
    expect(denied.headers?.get('x-oneapi-request-id')).toBe(denied.requestID);
  });

  it('records an intercept row for the refusal, without the raw key', async () => {
    if (!enabled) return;
    let rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 40 && rows.length === 0; i++) {
      rows = await db.query(
        `SELECT token_mask, client_ip::text, reason, method, path, rule_entries::text FROM intercept_logs`,
      );
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      client_ip: '127.0.0.3/32',
      reason: 'ip_not_allowed',
      method: 'GET',
      path: '/v1/models',
      rule_entries: '{127.0.0.2/32}',
    });
    expect(JSON.stringify(rows)).not.toContain(key(1));
  });

  it('sk-KEY and KEY-7 are one binding', async () => {
    if (!enabled) return;
    const k = key(2);
    expect(
      (await http(`${sentinel.url}/v1/models`, { headers: { authorization: `Bearer sk-${k}` }, from: '127.0.0.2' }))
        .status,
    ).toBe(200);
    expect(
      (await http(`${sentinel.url}/v1/models`, { headers: { authorization: `Bearer ${k}-7` }, from: '127.0.0.3' }))
        .status,
    ).toBe(403);
    expect(
      (await http(`${sentinel.url}/v1/models`, { headers: { authorization: `Bearer ${k}-7` }, from: '127.0.0.2' }))
        .status,
    ).toBe(200);
    expect(await bindings(`sk-${k.slice(0, 4)}…${k.slice(-4)}`)).toHaveLength(1);
  });

  it('x-api-key (Claude) and Gemini keys are bound the same way', async () => {
    if (!enabled) return;
    const claude = key(3);
    const first = await http(`${sentinel.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': `sk-${claude}`, 'content-type': 'application/json' },
      body: '{}',
      from: '127.0.0.4',
    });
    expect(first.status).toBe(200);
    const moved = await http(`${sentinel.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': `sk-${claude}`, 'content-type': 'application/json' },
      body: '{}',
      from: '127.0.0.5',
    });
    expect(moved.status).toBe(403);
    expect(JSON.parse(moved.body).error).toMatchObject({ type: 'new_api_error', code: 'access_denied' });

    const gemini = key(4);
    const q = await http(`${sentinel.url}/v1beta/models/gemini-pro:generateContent?key=${gemini}`, {
      method: 'POST',
      body: '{}',
      from: '127.0.0.4',
    });
    expect(q.status).toBe(200);
    const h = await http(`${sentinel.url}/v1beta/models/gemini-pro:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': gemini },
      body: '{}',
      from: '127.0.0.6',
    });
    expect(h.status).toBe(403);
  });

  it('the upstream sees Sentinel’s X-Real-IP / X-Forwarded-For, never the client’s', async () => {
    if (!enabled) return;
    const k = key(5);
    await http(`${sentinel.url}/v1/models`, {
      headers: {
        authorization: `Bearer ${k}`,
        'x-real-ip': '8.8.8.8',
        'x-forwarded-for': '9.9.9.9, 1.1.1.1',
        connection: 'x-real-ip',
      },
      from: '127.0.0.7',
    });
    const seen = upstream.last();
    expect(seen?.headers['x-real-ip']).toBe('127.0.0.7');
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.7');
    expect(seen?.rawHeaders.filter((h) => h.toLowerCase() === 'x-forwarded-for')).toHaveLength(1);
  });

  it('two different keys in one request → 400, never forwarded', async () => {
    if (!enabled) return;
    const before = upstream.requests.length;
    const r = await http(`${sentinel.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key(6)}`, 'x-api-key': key(7) },
      body: '{}',
      from: '127.0.0.2',
    });
    expect(r.status).toBe(400);
    expect(upstream.requests.length).toBe(before);
  });

  it('no relay token → forwarded untouched (New API answers 401 itself)', async () => {
    if (!enabled) return;
    const r = await http(`${sentinel.url}/v1/models`, { from: '127.0.0.2' });
    expect(r.status).toBe(200);
    expect(upstream.last()?.url).toBe('/v1/models');
  });

  it('an SSE stream arrives event by event', async () => {
    if (!enabled) return;
    upstream.sseIntervalMs = 150;
    const k = key(8);
    const arrivals: number[] = [];
    let headersAt = 0;
    const start = Date.now();
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${sentinel.url}/v1/chat/completions`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
          localAddress: '127.0.0.2',
        },
        (res) => {
          headersAt = Date.now() - start;
          expect(res.headers['content-type']).toBe('text/event-stream');
          res.on('data', (c: Buffer) => {
            const events = c
              .toString()
              .split('\n\n')
              .filter((e) => e.startsWith('data:'));
            for (let i = 0; i < events.length; i++) arrivals.push(Date.now() - start);
          });
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'gpt-test', stream: true, messages: [] }));
    });
    upstream.sseIntervalMs = 50;
    expect(arrivals).toHaveLength(6); // 5 chunks + [DONE]
    // Headers are flushed before the first event; events arrive spread out, not in one burst.
    expect(headersAt).toBeLessThan(arrivals[0]);
    expect(arrivals[4] - arrivals[0]).toBeGreaterThanOrEqual(4 * 150 * 0.8);
  });

  it('a websocket upgrades after the binding check and round-trips; Sec-WebSocket-Protocol is forwarded unchanged', async () => {
    if (!enabled) return;
    const k = key(9);
    const protocols = ['realtime', `openai-insecure-api-key.sk-${k}`, 'openai-beta.realtime-v1'];
    const open = (from: string) =>
      new Promise<{ ws?: WebSocket; status?: number }>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${sentinel.port}/v1/realtime?model=gpt-test`, protocols, {
          localAddress: from,
        });
        ws.once('open', () => resolve({ ws }));
        ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
        ws.once('error', () => resolve({ status: -1 }));
      });
    const ok = await open('127.0.0.2');
    expect(ok.ws).toBeDefined();
    const echoed = await new Promise<string>((resolve) => {
      ok.ws?.once('message', (m) => resolve(m.toString()));
      ok.ws?.send('ping-123');
    });
    expect(echoed).toBe('ping-123');
    ok.ws?.close();
    const seen = upstream.requests.filter((r) => r.method === 'UPGRADE').pop();
    // Byte for byte what the client sent (the ws client joins with a bare comma).
    expect(seen?.headers['sec-websocket-protocol']).toBe(protocols.join(','));
    expect(seen?.headers['x-real-ip']).toBe('127.0.0.2');

    const refused = await open('127.0.0.3');
    expect(refused.status).toBe(403);
  });

  it('100 parallel first requests from two addresses → exactly one binding', async () => {
    if (!enabled) return;
    const k = key(10);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        http(`${sentinel.url}/v1/models`, {
          headers: { authorization: `Bearer ${k}` },
          from: i % 2 ? '127.0.0.2' : '127.0.0.3',
        }),
      ),
    );
    const rows = await db.query<{ rule_entries: string }>(
      `SELECT rule_entries::text FROM token_bindings WHERE token_mask = $1`,
      [`sk-${k.slice(0, 4)}…${k.slice(-4)}`],
    );
    expect(rows).toHaveLength(1);
    const winner = rows[0].rule_entries === '{127.0.0.2/32}' ? '127.0.0.2' : '127.0.0.3';
    results.forEach((r, i) => {
      const from = i % 2 ? '127.0.0.2' : '127.0.0.3';
      expect(r.status).toBe(from === winner ? 200 : 403);
    });
  });

  it('a client that disconnects aborts the upstream request', async () => {
    if (!enabled) return;
    const k = key(11);
    await new Promise<void>((resolve) => {
      const req = request(`${sentinel.url}/hang`, {
        headers: { authorization: `Bearer ${k}` },
        localAddress: '127.0.0.2',
      });
      req.on('error', () => resolve());
      req.end();
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    let rec = upstream.requests.filter((r) => r.url === '/hang').pop();
    for (let i = 0; i < 40 && !rec?.aborted; i++) {
      await new Promise((r) => setTimeout(r, 50));
      rec = upstream.requests.filter((r) => r.url === '/hang').pop();
    }
    expect(rec?.aborted).toBe(true);
  });
});
