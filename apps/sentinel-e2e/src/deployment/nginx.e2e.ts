import { request } from 'node:http';
import WebSocket from 'ws';
import { FakeUpstream } from '../support/fake-upstream';
import { http } from '../support/http';
import { NginxProcess } from '../support/nginx';
import { SentinelProcess, TEST_SECRETS } from '../support/sentinel-process';
import type { TestDatabase } from '../support/services';
import { RealStack } from '../support/stack';
import { describeWithServices } from '@sentinel/testing-support';

const key = (n: number) => `n${String(n).padStart(47, '0')}`;
const mask = (k: string) => `sk-${k.slice(0, 4)}…${k.slice(-4)}`;

/** The project's nginx config, run by Debian's nginx, in front of the built Sentinel. */
describeWithServices(
  ['postgres', 'redis', 'nginx'],
  'nginx → Sentinel (two instances, shared PostgreSQL and Redis)',
  () => {
    let enabled = false;
    let stack: RealStack;
    let upstream: FakeUpstream;
    let db: TestDatabase;
    let a: SentinelProcess;
    let b: SentinelProcess;
    let nginx: NginxProcess;

    beforeAll(async () => {
      const started = await RealStack.start();
      enabled = started !== null;
      if (!started) return;
      stack = started;
      ({ upstream, db } = stack);
      // nginx connects from 127.0.0.1: only it may set X-Real-IP.
      a = await stack.sentinel({ TRUSTED_PROXY_IPS: '127.0.0.1' });
      b = await stack.sentinel({ TRUSTED_PROXY_IPS: '127.0.0.1' });
      nginx = await new NginxProcess([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]).start();
    });
    afterAll(async () => {
      if (!enabled) return;
      if (process.env['DEBUG_NGINX']) console.log(nginx.output);
      await nginx.stop();
      await stack.stop();
    });

    it('the config passes nginx -t with only ports and paths substituted', () => {
      if (!enabled) return;
      expect(nginx.config()).toContain('proxy_set_header X-Real-IP $remote_addr;');
    });

    it('binds the client’s own address (127.0.0.2), not nginx’s; spoofed headers do not survive', async () => {
      if (!enabled) return;
      const k = key(1);
      const r = await http(`${nginx.url}/v1/models`, {
        headers: { authorization: `Bearer ${k}`, 'x-real-ip': '8.8.8.8', 'x-forwarded-for': '9.9.9.9' },
        from: '127.0.0.2',
      });
      expect(r.status).toBe(200);
      const seen = upstream.last();
      expect(seen?.headers['x-real-ip']).toBe('127.0.0.2');
      expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.2');
      const rows = await db.query<{ e: string }>(
        `SELECT rule_entries::text AS e FROM token_bindings WHERE token_mask = $1`,
        [mask(k)],
      );
      expect(rows).toEqual([{ e: '{127.0.0.2/32}' }]);
      expect(
        (await http(`${nginx.url}/v1/models`, { headers: { authorization: `Bearer ${k}` }, from: '127.0.0.3' })).status,
      ).toBe(403);
    });

    it('a request from the trusted address without X-Real-IP is refused, never bound to the proxy', async () => {
      if (!enabled) return;
      const r = await http(`${a.url}/v1/models`, { headers: { authorization: `Bearer ${key(2)}` }, from: '127.0.0.1' });
      expect(r.status).toBe(400);
    });

    it('concurrent first use from two addresses through both instances → one binding', async () => {
      if (!enabled) return;
      const k = key(3);
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          http(`${nginx.url}/v1/models`, {
            headers: { authorization: `Bearer ${k}` },
            from: i % 2 ? '127.0.0.4' : '127.0.0.5',
          }),
        ),
      );
      const rows = await db.query<{ e: string }>(
        `SELECT rule_entries::text AS e FROM token_bindings WHERE token_mask = $1`,
        [mask(k)],
      );
      expect(rows).toHaveLength(1);
      const winner = rows[0].e === '{127.0.0.4/32}' ? '127.0.0.4' : '127.0.0.5';
      results.forEach((r, i) => expect(r.status).toBe((i % 2 ? '127.0.0.4' : '127.0.0.5') === winner ? 200 : 403));
    });

    it('a ban through one instance’s admin API is enforced by the other (both behind nginx)', async () => {
      if (!enabled) return;
      const k = key(6);
      const auth = { authorization: `Bearer ${k}` };
      expect((await http(`${nginx.url}/v1/models`, { headers: auth, from: '127.0.0.2' })).status).toBe(200);
      // Warm both instances' caches with the allowed decision.
      expect((await http(`${a.url}/v1/models`, { headers: { ...auth, 'x-real-ip': '127.0.0.2' } })).status).toBe(200);
      expect((await http(`${b.url}/v1/models`, { headers: { ...auth, 'x-real-ip': '127.0.0.2' } })).status).toBe(200);

      const login = await http(`${a.url}/admin/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-real-ip': '127.0.0.9' },
        body: JSON.stringify({ password: TEST_SECRETS.ADMIN_PASSWORD }),
      });
      expect(login.status).toBe(200);
      const jwt = JSON.parse(login.body).accessToken as string;
      const [row] = await db.query<{ id: string }>(`SELECT id::text FROM token_bindings WHERE token_mask = $1`, [
        mask(k),
      ]);
      const ban = await http(`${a.url}/admin/api/bindings/ban`, {
        method: 'POST',
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', 'x-real-ip': '127.0.0.9' },
        body: JSON.stringify({ id: row.id }),
      });
      expect(ban.status).toBe(200);

      // Right after the call returned: refused on B directly, and on every request through nginx.
      expect((await http(`${b.url}/v1/models`, { headers: { ...auth, 'x-real-ip': '127.0.0.2' } })).status).toBe(403);
      const through = await Promise.all(
        Array.from({ length: 10 }, () => http(`${nginx.url}/v1/models`, { headers: auth, from: '127.0.0.2' })),
      );
      expect(through.map((r) => r.status)).toEqual(Array(10).fill(403));
    });

    it('SSE arrives event by event through both hops', async () => {
      if (!enabled) return;
      upstream.sseIntervalMs = 150;
      const arrivals: number[] = [];
      const start = Date.now();
      await new Promise<void>((resolve, reject) => {
        const req = request(
          `${nginx.url}/v1/chat/completions`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${key(4)}`, 'content-type': 'application/json' },
            localAddress: '127.0.0.2',
          },
          (res) => {
            res.on('data', (c: Buffer) => {
              for (const e of c.toString().split('\n\n')) if (e.startsWith('data:')) arrivals.push(Date.now() - start);
            });
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ stream: true }));
      });
      upstream.sseIntervalMs = 50;
      expect(arrivals).toHaveLength(6);
      expect(arrivals[4] - arrivals[0]).toBeGreaterThanOrEqual(4 * 150 * 0.8);
    });

    it('a websocket upgrades through both hops', async () => {
      if (!enabled) return;
      const ws = new WebSocket(
        `ws://127.0.0.1:${nginx.port}/v1/realtime?model=x`,
        ['realtime', `openai-insecure-api-key.sk-${key(5)}`],
        {
          localAddress: '127.0.0.2',
        },
      );
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const echoed = await new Promise<string>((resolve) => {
        ws.once('message', (m) => resolve(m.toString()));
        ws.send('through-nginx');
      });
      ws.close();
      expect(echoed).toBe('through-nginx');
      expect(upstream.requests.filter((r) => r.method === 'UPGRADE').pop()?.headers['x-real-ip']).toBe('127.0.0.2');
    });

    it('serves /admin/ui/ (deep links too), passes /health and hides /metrics', async () => {
      if (!enabled) return;
      const deep = await http(`${nginx.url}/admin/ui/bindings/42`);
      expect(deep.status).toBe(200);
      expect(deep.body).toContain('<base href="/admin/ui/"');
      expect(deep.headers['server']).toBe('nginx'); // server_tokens off: no version
      expect((await http(`${nginx.url}/health`)).body).toBe('{"status":"ok"}');
      expect((await http(`${nginx.url}/metrics`)).status).toBe(404);
    });

    it('case 17.7: nginx sends the console the same security headers as Sentinel (CSP, framing, nosniff, referrer) on every response; the admin API keeps no-store', async () => {
      if (!enabled) return;
      const names = ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy'];
      const pick = (h: Record<string, unknown>) => names.map((n) => [n, h[n]]);
      // Sentinel's own answer is the reference (CONSOLE_SECURITY_HEADERS in console-ui.ts).
      const own = await http(`${a.url}/admin/ui/`);
      expect(own.headers['content-security-policy']).toMatch(/script-src 'self';/);
      expect(own.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      const index = await http(`${nginx.url}/admin/ui/`);
      const script = /src="(main-[A-Z0-9]+\.js)"/.exec(index.body)?.[1];
      const style = /href="(styles-[A-Z0-9]+\.css)"/.exec(index.body)?.[1];
      expect([script, style]).toEqual([expect.any(String), expect.any(String)]);
      const responses = {
        index,
        deepLink: await http(`${nginx.url}/admin/ui/bindings/42`),
        script: await http(`${nginx.url}/admin/ui/${script}`),
        style: await http(`${nginx.url}/admin/ui/${style}`),
        favicon: await http(`${nginx.url}/admin/ui/favicon.svg`),
        redirect: await http(`${nginx.url}/admin/ui`),
      };
      for (const [what, r] of Object.entries(responses)) {
        expect([what, ...pick(r.headers)]).toEqual([what, ...pick(own.headers)]);
        expect([what, r.headers['x-frame-options'], r.headers['referrer-policy']]).toEqual([
          what,
          'DENY',
          'no-referrer',
        ]);
      }
      expect(responses.redirect.status).toBe(301);
      expect(responses.script.headers['cache-control']).toContain('immutable');
      const login = await http(`${nginx.url}/admin/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: TEST_SECRETS.ADMIN_PASSWORD }),
        from: '127.0.0.2',
      });
      expect([login.status, login.headers['cache-control'], login.headers['x-content-type-options']]).toEqual([
        200,
        'no-store',
        'nosniff',
      ]);
    });
  },
);
