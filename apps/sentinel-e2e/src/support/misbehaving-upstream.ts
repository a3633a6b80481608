import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface UpstreamRecord {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Request trailers as the upstream received them. */
  trailers: Record<string, string | undefined>;
  bodyBytes: number;
  /** The request body ended (as opposed to the connection dying mid-body). */
  complete: boolean;
  /** The connection closed before this request's response was finished. */
  aborted: boolean;
}

/** What /flood did: bytes accepted by write(), whether write() is currently refusing (paused). */
export interface FloodState {
  written: number;
  paused: boolean;
  /** How often write() returned false. */
  pauses: number;
  finished: boolean;
  closed: boolean;
}

/**
 * A New API stand-in for the HTTP robustness suite, able to misbehave on purpose:
 *  - GET /v1/models → small JSON; POST anything → JSON echo with the body size and trailers
 *  - /hang → reads the request, never answers
 *  - /reset → resets the TCP connection (RST) once the request arrived
 *  - /garbage → answers bytes that are not HTTP, then closes
 *  - /trailers → a chunked response with a trailer
 *  - /sse → a short SSE stream (10 events, 20 ms apart)
 *  - /flood?mib=N → an SSE stream of N MiB written as fast as the reader takes it, honouring
 *    write() === false (waits for 'drain'); its progress is in `flood`
 *  - websocket handshakes: /ws-hang → never answered; anything else → 401 with a JSON body, as
 *    New API answers a keyless handshake on a relay route
 * `openHangs` counts the /hang requests and /ws-hang handshakes whose connection is still open.
 */
export class MisbehavingUpstream {
  readonly requests: UpstreamRecord[] = [];
  flood: FloodState = { written: 0, paused: false, pauses: 0, finished: false, closed: false };
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  openHangs = 0;
  upgrades = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const rec: UpstreamRecord = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        trailers: {},
        bodyBytes: 0,
        complete: false,
        aborted: false,
      };
      this.requests.push(rec);
      const path = rec.url.split('?')[0];
      res.once('close', () => (rec.aborted = !res.writableFinished));
      if (path === '/hang') this.hang(req.socket);
      req.on('data', (c: Buffer) => (rec.bodyBytes += c.length));
      req.on('error', () => undefined);
      req.on('end', () => {
        rec.complete = true;
        rec.trailers = { ...req.trailers };
        if (path === '/hang') return;
        if (path === '/reset') return void req.socket.resetAndDestroy();
        if (path === '/garbage') return void req.socket.end('SSH-2.0-OpenSSH_9.6\r\nthis is not HTTP at all\r\n\r\n');
        if (path === '/trailers') {
          res.writeHead(200, { 'content-type': 'application/json', trailer: 'x-checksum' });
          res.write('{"ok":');
          res.addTrailers({ 'x-checksum': 'abc123' });
          return void res.end('true}');
        }
        if (path === '/sse') return this.sse(res);
        if (path === '/flood')
          return this.startFlood(res, Number(new URL(rec.url, 'http://x').searchParams.get('mib') ?? '64'));
        if (path === '/v1/models') {
          return void res
            .writeHead(200, { 'content-type': 'application/json' })
            .end('{"object":"list","data":[{"id":"gpt-test","object":"model"}]}');
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ method: rec.method, path, bodyBytes: rec.bodyBytes, trailers: rec.trailers }));
      });
    });
    this.server.on('upgrade', (req, socket: Socket) => {
      this.upgrades++;
      socket.on('error', () => undefined);
      if ((req.url ?? '').split('?')[0] === '/ws-hang') {
        // Read (and drop) what comes, so that the proxy's end of the connection is noticed.
        socket.resume();
        socket.once('end', () => socket.destroy());
        return this.hang(socket);
      }
      const body = '{"error":{"message":"no token provided","type":"new_api_error"}}';
      // Then closed: Node hands an upgrade request's socket over without its HTTP parser, so a
      // second request on it could not be answered (New API would keep it for keep-alive).
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private hang(socket: Socket): void {
    this.openHangs++;
    socket.once('close', () => this.openHangs--);
  }

  private sse(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    let n = 0;
    const tick = () => {
      if (res.destroyed) return;
      if (n === 10) return void res.end('data: [DONE]\n\n');
      res.write(`data: {"n":${n++}}\n\n`);
      setTimeout(tick, 20);
    };
    setTimeout(tick, 20);
  }

  private startFlood(res: ServerResponse, mib: number): void {
    const state: FloodState = { written: 0, paused: false, pauses: 0, finished: false, closed: false };
    this.flood = state;
    const total = mib * 1024 * 1024;
    // 64 KiB SSE events: "data: " + payload + "\n\n".
    const event = Buffer.alloc(64 * 1024, 0x78);
    event.write('data: ', 0, 'latin1');
    event.write('\n\n', event.length - 2, 'latin1');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    res.once('close', () => (state.closed = true));
    const pump = () => {
      state.paused = false;
      while (state.written < total) {
        if (res.destroyed) return;
        state.written += event.length;
        if (!res.write(event)) {
          state.paused = true;
          state.pauses++;
          res.once('drain', pump);
          return;
        }
      }
      state.finished = true;
      res.end();
    };
    pump();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
