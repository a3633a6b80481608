import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Forwarder, UPSTREAM_IDLE_TIMEOUT } from './forwarder';

/**
 * The upstream idle timeout is armed once per upstream socket (by the agent), not per request:
 * a quiet upstream still gets its 504, also on a reused keep-alive socket, whose timeout Node's
 * agent reset to 0 (or to the upstream's `Keep-Alive` hint) while it was free.
 */

const listen = (server: Server) =>
  new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));

describe('Forwarder upstream timeouts (armed per socket)', () => {
  let upstream: Server;
  let front: Server;
  let forwarder: Forwarder;
  let frontPort: number;
  const errors: { kind: string; code?: string }[] = [];

  async function start(timeoutMs: number, handler: Parameters<typeof createServer>[1]): Promise<void> {
    errors.length = 0;
    upstream = createServer(handler);
    const upstreamPort = await listen(upstream);
    forwarder = new Forwarder({
      target: new URL(`http://127.0.0.1:${upstreamPort}`),
      timeoutMs,
      connectTimeoutMs: 5_000,
      onError: (kind, error) => errors.push({ kind, code: (error as NodeJS.ErrnoException).code }),
    });
    front = createServer((req, res) => forwarder.web(req, res, '127.0.0.1'));
    frontPort = await listen(front);
  }

  const fetchOnce = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      get({ port: frontPort, host: '127.0.0.1', path }, (res: IncomingMessage) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });

  afterEach(async () => {
    forwarder?.close();
    front?.closeAllConnections();
    upstream?.closeAllConnections();
    await new Promise((r) => front?.close(r));
    await new Promise((r) => upstream?.close(r));
  });

  it('an upstream that never answers gets 504 upstream_timeout, with the idle-timeout code', async () => {
    await start(300, () => undefined); // accepts, reads, never answers
    const r = await fetchOnce('/v1/hang');
    expect(r.status).toBe(504);
    expect(JSON.parse(r.body).error.code).toBe('upstream_timeout');
    expect(errors).toEqual([{ kind: 'timeout', code: UPSTREAM_IDLE_TIMEOUT }]);
  });

  it('a free keep-alive socket is closed before the upstream’s announced Keep-Alive timeout (no reuse race)', async () => {
    await start(5_000, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    upstream.keepAliveTimeout = 3_000; // announced as `Keep-Alive: timeout=3`
    let closedAt = 0;
    upstream.on('connection', (socket) => socket.on('close', () => (closedAt = Date.now())));
    const t0 = Date.now();
    expect((await fetchOnce('/fast')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_600));
    // Closed by Sentinel's agent about 1 s before the upstream would have (at 3 s).
    expect(closedAt).toBeGreaterThan(0);
    expect(closedAt - t0).toBeLessThan(2_600);
  });

  it('a reused keep-alive socket has the idle timeout again (the agent set it to 0 while the socket was free)', async () => {
    let sockets = 0;
    await start(300, (req, res) => {
      if (req.url === '/hang') return; // never answers
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    upstream.on('connection', () => sockets++);
    expect((await fetchOnce('/fast')).status).toBe(200);
    const r = await fetchOnce('/hang');
    expect(r.status).toBe(504);
    expect(sockets).toBe(1); // the hanging request really went over the first one's socket
    expect(errors).toEqual([{ kind: 'timeout', code: UPSTREAM_IDLE_TIMEOUT }]);
  });
});
