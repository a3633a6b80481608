import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { http, type HttpResult } from '../support/http';
import { MisbehavingUpstream } from '../support/misbehaving-upstream';
import type { SentinelProcess } from '../support/sentinel-process';
import { RealStack } from '../support/stack';
import { describeWithServices } from '@sentinel/testing-support';

/**
 * HTTP robustness (issue #8; security matrix cases 28–30): request smuggling forms, bad chunking,
 * trailers, a client that stops reading a stream, a large upload, and an upstream that hangs,
 * resets or answers garbage — each with its expected status while other clients carry on.
 * Against the BUILT server, real PostgreSQL and Redis (skips unless REQUIRE_SERVICES=1 and they
 * are missing). Upload size: E2E_UPLOAD_MIB (default 1024 = 1 GiB).
 */

const UPLOAD_MIB = Number(process.env['E2E_UPLOAD_MIB'] ?? '1024');
const UPSTREAM_TIMEOUT_MS = 1_500;

const newKey = (): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(48), (b) => alphabet[b % alphabet.length]).join('');
};

/** /proc/<pid>/status field in MiB (VmRSS: now, VmHWM: peak). */
function memMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Raw bytes on a fresh socket; resolves with everything read until the server closes (or `waitMs`). */
function raw(port: number, bytes: string, waitMs = 3_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
    let out = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(bytes);
  });
}

const statusLine = (answer: string) => answer.split('\r\n')[0];
const responses = (answer: string) => (answer.match(/HTTP\/1\.1 \d{3} /g) ?? []).length;

async function until(probe: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An SSE stream through Sentinel, read to its end: the number of events received. */
function readSse(base: string, headers: Record<string, string>): Promise<{ status: number; events: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/sse`, { headers, agent: false, localAddress: '127.0.0.2' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          events: text.split('\n\n').filter((e) => e.startsWith('data: ')).length,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describeWithServices(['postgres', 'redis'], 'HTTP robustness (security matrix cases 28–30, issue #8)', () => {
  let stack: RealStack | null = null;
  let upstream: MisbehavingUpstream;
  /** Default timeouts. */
  let s: SentinelProcess;
  /** UPSTREAM_TIMEOUT_MS = 1.5 s, for the hanging upstream. */
  let short: SentinelProcess;
  let port: number;
  const key = newKey();
  const auth = { authorization: `Bearer sk-${key}` };

  beforeAll(async () => {
    stack = await RealStack.start();
    if (!stack) return;
    upstream = await new MisbehavingUpstream().start();
    s = await stack.sentinel({ DOWNSTREAM_URL: upstream.url });
    short = await stack.sentinel({ DOWNSTREAM_URL: upstream.url, UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) });
    port = Number(new URL(s.url).port);
    // The key is bound to 127.0.0.2, the address every client below uses.
    expect((await http(`${s.url}/v1/models`, { headers: auth, from: '127.0.0.2' })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await upstream?.stop();
  });

  /** Proxied requests from another client while something else is going on: all must be 200. */
  async function otherClient(base: string, until: () => boolean): Promise<{ ok: number; bad: HttpResult[] }> {
    let ok = 0;
    const bad: HttpResult[] = [];
    do {
      const r = await http(`${base}/v1/models`, { headers: auth, from: '127.0.0.2' });
      if (r.status === 200) ok++;
      else bad.push(r);
    } while (!until());
    return { ok, bad };
  }

  const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
  const post = (headers: string, path = '/v1/chat/completions') =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-${key}\r\nContent-Type: application/json\r\n${headers}\r\n`;

  it('request smuggling forms → 400 before any decision, one answer, the upstream never sees a request', async () => {
    if (!stack) return;
    const attacks: [string, string][] = [
      ['CL + TE', `${post('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n')}0\r\n\r\n${smuggled}`],
      ['TE + CL', `${post('Transfer-Encoding: chunked\r\nContent-Length: 4\r\n')}0\r\n\r\n${smuggled}`],
      ['duplicate Content-Length', `${post('Content-Length: 2\r\nContent-Length: 40\r\n')}{}${smuggled}`],
      ['duplicate Content-Length, same value', `${post('Content-Length: 2\r\nContent-Length: 2\r\n')}{}${smuggled}`],
      ['Content-Length list', `${post('Content-Length: 2, 2\r\n')}{}${smuggled}`],
      [
        'Transfer-Encoding: chunked, identity',
        `${post('Transfer-Encoding: chunked, identity\r\n')}0\r\n\r\n${smuggled}`,
      ],
      [
        'two Transfer-Encoding headers',
        `${post('Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n')}0\r\n\r\n${smuggled}`,
      ],
      ['obs-fold', `${post('X-Folded: a\r\n b\r\nContent-Length: 2\r\n')}{}${smuggled}`],
      ['obs-fold hiding Transfer-Encoding', `${post('Transfer-Encoding:\r\n chunked\r\n')}0\r\n\r\n${smuggled}`],
      ['space before colon (Content-Length)', `${post('Content-Length : 2\r\n')}{}${smuggled}`],
      ['space before colon (Transfer-Encoding)', `${post('Transfer-Encoding : chunked\r\n')}0\r\n\r\n${smuggled}`],
      [
        'bare LF line endings',
        `POST /v1/chat/completions HTTP/1.1\nHost: x\nAuthorization: Bearer sk-${key}\nContent-Length: 2\n\n{}${smuggled}`,
      ],
      // Header-valid but not chunked-last: refused by Sentinel's gate before any decision.
      ['Transfer-Encoding: identity', `${post('Transfer-Encoding: identity\r\n')}0\r\n\r\n${smuggled}`],
      ['Transfer-Encoding: xchunked', `${post('Transfer-Encoding: xchunked\r\n')}0\r\n\r\n${smuggled}`],
    ];
    const seen = upstream.requests.length;
    const failures: string[] = [];
    for (const [name, bytes] of attacks) {
      const answer = await raw(port, bytes);
      if (statusLine(answer) !== 'HTTP/1.1 400 Bad Request' || responses(answer) !== 1)
        failures.push(`${name}: ${JSON.stringify(answer.slice(0, 80))}`);
    }
    expect(failures).toEqual([]);
    await new Promise((r) => setTimeout(r, 300)); // anything forwarded by mistake would have arrived
    expect(upstream.requests.slice(seen).map((r) => r.url)).toEqual([]);
  });

  it('bad chunking → 400, the smuggled bytes are never parsed, and the upstream never gets a complete request', async () => {
    if (!stack) return;
    const chunked = (body: string) => `${post('Transfer-Encoding: chunked\r\n')}${body}${smuggled}`;
    const attacks: [string, string][] = [
      ['non-hex size', chunked('zz\r\n{}\r\n0\r\n\r\n')],
      ['negative size', chunked('-2\r\n{}\r\n0\r\n\r\n')],
      ['size overflow', chunked('fffffffffffffffffff\r\n{}\r\n0\r\n\r\n')],
      ['data longer than its size', chunked('2\r\n{}XX\r\n0\r\n\r\n')],
      ['control character in an extension', chunked('2;\x01\r\n{}\r\n0\r\n\r\n')],
      ['bare LF after the size', chunked('2\n{}\r\n0\r\n\r\n')],
    ];
    const seen = upstream.requests.length;
    const failures: string[] = [];
    for (const [name, bytes] of attacks) {
      const answer = await raw(port, bytes);
      if (statusLine(answer) !== 'HTTP/1.1 400 Bad Request' || responses(answer) !== 1)
        failures.push(`${name}: ${JSON.stringify(answer.slice(0, 80))}`);
    }
    expect(failures).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    const arrived = upstream.requests.slice(seen);
    expect(arrived.filter((r) => r.url === '/smuggled')).toEqual([]);
    expect(arrived.filter((r) => r.complete)).toEqual([]);
  });

  it('a bad chunk after the request was already forwarded → 400; the upstream request is aborted, never completed', async () => {
    if (!stack) return;
    const seen = upstream.requests.length;
    const answer = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
      let out = '';
      socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(out));
      socket.write(`${post('Transfer-Encoding: chunked\r\n', '/v1/late-bad-chunk')}5\r\nhello\r\n`);
      // Once the upstream holds the first 5 bytes, the framing breaks.
      until(
        () => upstream.requests.slice(seen).some((r) => r.url === '/v1/late-bad-chunk' && r.bodyBytes >= 5),
        'the body reached the upstream',
      )
        .then(() => socket.write(`zz\r\n{}\r\n0\r\n\r\n${smuggled}`))
        .catch(() => socket.destroy());
      setTimeout(() => socket.destroy(), 10_000);
    });
    expect(statusLine(answer)).toBe('HTTP/1.1 400 Bad Request');
    expect(responses(answer)).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    const arrived = upstream.requests.slice(seen);
    expect(arrived.map((r) => [r.url, r.bodyBytes, r.complete])).toEqual([['/v1/late-bad-chunk', 5, false]]);
  });

  it('trailers: a chunked request with trailers goes through, trailers dropped (a credential in a trailer never reaches New API); response trailers do not break the body', async () => {
    if (!stack) return;
    const seen = upstream.requests.length;
    const withTrailer = `POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: Authorization\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\nAuthorization: Bearer sk-${newKey()}\r\nX-Checksum: abc\r\n\r\n`;
    const answer = await raw(port, withTrailer);
    expect(statusLine(answer)).toBe('HTTP/1.1 200 OK');
    const rec = upstream.requests.slice(seen).find((r) => r.url === '/v1/embeddings');
    expect(rec).toMatchObject({ bodyBytes: 2, complete: true });
    expect(rec?.headers['authorization']).toBeUndefined();
    expect(rec?.trailers).toEqual({});
    // No credential in the headers: forwarded unguarded as New API would see it (no key), and nothing was bound.
    const r = await http(`${s.url}/trailers`, { headers: auth, from: '127.0.0.2' });
    expect([r.status, r.body]).toEqual([200, '{"ok":true}']);
  });

  it('a client that stops reading an SSE stream: the upstream is held back (write() false), Sentinel does not buffer, other clients are unaffected', async () => {
    if (!stack) return;
    const pid = s.child.pid as number;
    const rssBefore = memMiB(pid, 'VmRSS');
    // 512 MiB offered; a buffering proxy would take it all in and grow by that much.
    const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
    socket.on('error', () => undefined);
    let received = 0;
    socket.on('data', (d: Buffer) => {
      received += d.length;
      socket.pause(); // stop reading after the first bytes
    });
    socket.write(`GET /flood?mib=512 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-${key}\r\n\r\n`);
    try {
      await until(() => upstream.flood.paused && upstream.flood.written > 0, 'the upstream write() returned false');
      // Settled: nothing more is accepted while the client does not read.
      let last = -1;
      await until(
        () => {
          const settled = upstream.flood.paused && upstream.flood.written === last;
          last = upstream.flood.written;
          return settled;
        },
        'the flood stopped',
        20_000,
      ).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
      const stalledAt = upstream.flood.written;
      const others = await Promise.all([
        otherClient(s.url, () => true),
        readSse(s.url, auth),
        readSse(s.url, auth),
        otherClient(s.url, () => true),
      ]);
      const rssStalled = memMiB(pid, 'VmRSS');
      process.stdout.write(
        `[backpressure] upstream accepted ${(stalledAt / 1048576).toFixed(1)} MiB of 512 before write() returned false (${upstream.flood.pauses} pauses); client read ${(received / 1024).toFixed(0)} KiB; Sentinel RSS ${rssBefore.toFixed(0)} → ${rssStalled.toFixed(0)} MiB\n`,
      );
      expect(upstream.flood.paused).toBe(true);
      expect(upstream.flood.finished).toBe(false);
      expect(upstream.flood.written).toBe(stalledAt); // still held back while the others ran
      expect(stalledAt).toBeLessThan(64 * 1048576); // kernel socket buffers on both sides, not the stream
      expect(rssStalled - rssBefore).toBeLessThan(64);
      expect(others[0]).toEqual({ ok: 1, bad: [] });
      expect(others[1]).toEqual({ status: 200, events: 11 });
      expect(others[2]).toEqual({ status: 200, events: 11 });

      // Reading again resumes the stream; leaving aborts the upstream response.
      socket.removeAllListeners('data');
      socket.on('data', (d: Buffer) => (received += d.length));
      socket.resume();
      await until(() => upstream.flood.written > stalledAt + 16 * 1048576, 'the stream resumed');
    } finally {
      socket.destroy();
    }
    await until(() => upstream.flood.closed, 'the upstream response was closed after the client left');
    expect(upstream.flood.finished).toBe(false);
  });

  it(`a ${UPLOAD_MIB} MiB upload streams through with flat memory while other clients are served`, async () => {
    if (!stack) return;
    const pid = s.child.pid as number;
    const peakBefore = memMiB(pid, 'VmHWM');
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const started = Date.now();
    let done = false;
    const upload = new Promise<number>((resolve, reject) => {
      const req = request(
        `${s.url}/v1/files`,
        {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/octet-stream' },
          localAddress: '127.0.0.2',
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < UPLOAD_MIB) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    }).finally(() => (done = true));
    const others = await otherClient(s.url, () => done);
    expect(await upload).toBe(200);
    const seconds = (Date.now() - started) / 1000;
    const growth = memMiB(pid, 'VmHWM') - peakBefore;
    process.stdout.write(
      `[upload] ${UPLOAD_MIB} MiB in ${seconds.toFixed(1)} s (${(UPLOAD_MIB / seconds).toFixed(0)} MiB/s); Sentinel peak RSS growth ${growth.toFixed(1)} MiB; ${others.ok} other requests served meanwhile\n`,
    );
    expect(upstream.requests.filter((r) => r.url === '/v1/files').pop()).toMatchObject({
      bodyBytes: UPLOAD_MIB * 1048576,
      complete: true,
    });
    expect(growth).toBeLessThan(64); // a buffering proxy would grow by the upload's size
    expect(others.bad).toEqual([]);
    expect(others.ok).toBeGreaterThan(0);
  }, 120_000);

  describe.each([
    ['hangs', '/hang', 504, 'upstream_timeout'],
    ['resets the connection', '/reset', 502, 'upstream_unreachable'],
    ['answers garbage instead of HTTP', '/garbage', 502, 'upstream_unreachable'],
  ] as const)('an upstream that %s', (_what, path, status, code) => {
    it(`→ ${status} ${code} in New API's error shape; a concurrent client is unaffected`, async () => {
      if (!stack) return;
      let done = false;
      const bad = http(`${short.url}${path}`, { headers: auth, from: '127.0.0.2' }).finally(() => (done = true));
      const [r, others, sse] = await Promise.all([bad, otherClient(short.url, () => done), readSse(short.url, auth)]);
      expect(r.status).toBe(status);
      const body = JSON.parse(r.body) as { error: { message: string; type: string; code: string } };
      expect(body.error).toMatchObject({ type: 'new_api_error', code });
      expect(body.error.message).toMatch(/\(request id: \w+\)$/);
      expect(r.headers['x-oneapi-request-id']).toBeDefined();
      expect(others.bad).toEqual([]);
      expect(others.ok).toBeGreaterThan(0);
      expect(sse).toEqual({ status: 200, events: 11 });
    });
  });
});
