import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { nextRequestId, sendNewApiError } from '../errors/new-api-error';
import { responseHeaderLines, stripHopByHop } from './hop-by-hop';
import { UpgradeSockets, type UpgradeLimits } from './upgrade-sockets';

export interface ForwarderOptions {
  target: URL;
  /** Idle timeout on the upstream socket: long enough for hour-long LLM streams. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /**
   * Request bodies (mod_reqtimeout `body=grace,MinRate=minRate`): a body still arriving after
   * `graceMs` must have come at `minRate` bytes/s or more beyond it, else 408. `minRate` 0 = off.
   */
  body?: { graceMs: number; minRate: number };
  /** Upgraded sockets: timeouts and bound (defaults: 20 s, 1 h, 10,000). */
  websocket?: UpgradeLimits;
  onUpstreamLatency?: (seconds: number) => void;
  onError?: (kind: 'unreachable' | 'timeout' | 'reset', error: Error, path: string) => void;
  /** A request body came too slowly and got 408. */
  onBodyTimeout?: (path: string) => void;
}

interface Tracked extends IncomingMessage {
  sentinelStart?: number;
  /** The upstream request and response, for the one client-close listener to abort. */
  sentinelProxyReq?: ClientRequest;
  sentinelProxyRes?: IncomingMessage;
  /** The minimum-body-rate check, armed only for requests with a body. */
  sentinelBodyTimer?: NodeJS.Timeout;
  /** `socket.bytesRead` when the body check was armed. */
  sentinelBodyBase?: number;
  /** The body check answered 408: the upstream error that follows is ours. */
  sentinelBodyTimedOut?: boolean;
}

/**
 * The one `close` listener per client response (shared, so no closure per request): a client that
 * disconnects before its response finished aborts the upstream request and response — no model
 * tokens burnt for nobody. (`Expect` is not forwarded, so http-proxy's proxyReq event, which
 * tells us the upstream request, comes for every request.)
 */
function onClientClose(this: ServerResponse): void {
  const req = this.req as Tracked;
  if (req.sentinelBodyTimer !== undefined) clearTimeout(req.sentinelBodyTimer);
  if (this.writableFinished) return;
  req.sentinelProxyRes?.destroy();
  req.sentinelProxyReq?.destroy();
}

/** The body has fully arrived: its rate check is done (shared; `this` is the request). */
function onBodyEnd(this: Tracked): void {
  if (this.sentinelBodyTimer !== undefined) clearTimeout(this.sentinelBodyTimer);
  this.sentinelBodyTimer = undefined;
}

/** Whether a request has a body to time: a Content-Length other than 0, or Transfer-Encoding. */
function hasBody(headers: IncomingMessage['headers']): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}

/** The body-rate timer's callback (shared: no closure per request). */
function checkBodyRate(forwarder: Forwarder, req: Tracked, res: ServerResponse): void {
  forwarder.checkBodyRate(req, res);
}

/**
 * The two upstream timeouts, with distinct codes (as undici's UND_ERR_CONNECT_TIMEOUT and
 * UND_ERR_HEADERS_TIMEOUT/BODY_TIMEOUT): the TCP (or TLS) connection did not open in time, or an
 * open connection carrying a request went quiet. Both answer 504 `upstream_timeout`.
 */
export const UPSTREAM_CONNECT_TIMEOUT = 'SENTINEL_UPSTREAM_CONNECT_TIMEOUT';
export const UPSTREAM_IDLE_TIMEOUT = 'SENTINEL_UPSTREAM_IDLE_TIMEOUT';

interface UpstreamTimeouts {
  connectMs: number;
  idleMs: number;
}

/**
 * The upstream agent arms its timeouts once per socket, not per request: the connect timeout when
 * the socket is created, the idle timeout once it connects, and again (only if it changed) when a
 * keep-alive socket is reused — Node's agent sets a freed socket's timeout to its own (none here:
 * 0). One `timeout` listener per socket, for its whole life,
 * instead of ClientRequest.setTimeout's listeners and closures on every request. Only the public
 * Agent API (`createConnection`, `reuseSocket`, `freeSockets`) is used.
 */
function upstreamAgent<A extends typeof HttpAgent | typeof HttpsAgent>(
  Base: A,
  timeouts: UpstreamTimeouts,
  options: ConstructorParameters<typeof HttpAgent>[0],
): HttpAgent {
  // At run time `super` is the real base: net.createConnection for http, tls.connect for https.
  class UpstreamAgent extends (Base as typeof HttpAgent) {
    override createConnection(...args: Parameters<HttpAgent['createConnection']>): Socket {
      const socket = super.createConnection(...args) as Socket;
      socket.setTimeout(timeouts.connectMs);
      socket.on('timeout', onUpstreamSocketTimeout);
      socket.once('connect', onUpstreamConnect);
      (socket as TimedSocket)[AGENT] = this;
      (socket as TimedSocket)[IDLE_MS] = timeouts.idleMs;
      return socket;
    }

    override reuseSocket(socket: Socket, req: ClientRequest): void {
      super.reuseSocket(socket, req);
      if (socket.timeout !== timeouts.idleMs) socket.setTimeout(timeouts.idleMs);
    }
  }
  return new UpstreamAgent(options);
}

/** How long a pooled upstream socket may stay free (lowered to the upstream's Keep-Alive hint − 1 s). */
export const FREE_SOCKET_TIMEOUT_MS = 30_000;

const AGENT = Symbol('sentinel.upstreamAgent');
const IDLE_MS = Symbol('sentinel.upstreamIdleMs');
interface TimedSocket extends Socket {
  [AGENT]?: HttpAgent;
  [IDLE_MS]?: number;
}

/** Connected: from now on the idle timeout (shared; `this` is the upstream socket). */
function onUpstreamConnect(this: TimedSocket): void {
  this.setTimeout(this[IDLE_MS] ?? 0);
}

/**
 * An upstream socket's timeout (shared listener). A free keep-alive socket is the agent's to close
 * (its own listener destroys it); one still connecting, or carrying a request, is destroyed with
 * the matching code, which reaches the request as its error (→ 504 in onError).
 */
function onUpstreamSocketTimeout(this: TimedSocket): void {
  if (this.destroyed) return;
  if (this.connecting) {
    this.destroy(Object.assign(new Error('upstream connect timed out'), { code: UPSTREAM_CONNECT_TIMEOUT }));
    return;
  }
  const free = this[AGENT]?.freeSockets ?? {};
  for (const name in free) if (free[name]?.includes(this)) return;
  this.destroy(Object.assign(new Error('upstream timed out'), { code: UPSTREAM_IDLE_TIMEOUT }));
}

/**
 * Streams requests to New API with http-proxy over one keep-alive agent (created once,
 * destroyed on shutdown). The agent has no socket cap: a cap silently queues the 1,001st SSE
 * stream behind the others. Responses are written by us (selfHandleResponse) so that the headers
 * are flushed the moment the upstream sends them — an LLM stream may take seconds to its first
 * token — and nothing is buffered or compressed.
 */
export class Forwarder {
  private readonly proxy: httpProxy;
  private readonly agent: HttpAgent;
  /**
   * Websocket handshakes get a connection of their own, closed after a non-101 answer: one that
   * is upgraded leaves the pool anyway, and a pooled one would outlive its handshake.
   */
  private readonly wsOptions: { agent: HttpAgent };
  readonly upgrades: UpgradeSockets;
  private readonly bodyGraceMs: number;
  private readonly bodyMinRate: number;

  constructor(private readonly options: ForwarderOptions) {
    const Base = options.target.protocol === 'https:' ? HttpsAgent : HttpAgent;
    const timeouts = { connectMs: options.connectTimeoutMs, idleMs: options.timeoutMs };
    const agentOptions = {
      keepAlive: true,
      maxSockets: Infinity,
      maxFreeSockets: 512,
      scheduling: 'lifo' as const,
      // A free keep-alive socket is closed by us before the upstream closes it: Node's agent then
      // honours the upstream's `Keep-Alive: timeout=N` hint (closing 1 s before it), which it
      // ignores while this is 0. Otherwise a request reused onto a socket the upstream is closing
      // gets ECONNRESET → 502 (seen once in 10,000 under a flood against a Node upstream, which
      // announces 5 s).
      timeout: FREE_SOCKET_TIMEOUT_MS,
    };
    this.agent = upstreamAgent(Base, timeouts, agentOptions);
    this.wsOptions = { agent: upstreamAgent(Base, timeouts, { keepAlive: false, maxSockets: Infinity }) };
    this.upgrades = new UpgradeSockets(
      options.websocket ?? { handshakeTimeoutMs: 20_000, idleTimeoutMs: 3_600_000, maxOpen: 10_000 },
    );
    this.bodyGraceMs = options.body?.graceMs ?? 20_000;
    this.bodyMinRate = options.body?.minRate ?? 0;
    this.proxy = httpProxy.createProxyServer({
      target: options.target.origin,
      agent: this.agent,
      selfHandleResponse: true,
      xfwd: false,
      changeOrigin: false,
      ws: true,
      secure: true,
    });
    this.proxy.on('proxyReq', (proxyReq, req, res) => this.onProxyReq(proxyReq, req as Tracked, res as ServerResponse));
    this.proxy.on('proxyReqWs', (_proxyReq, _req, socket) => this.upgrades.forwarding(socket, _proxyReq));
    this.proxy.on('proxyRes', (proxyRes, req, res) => this.onProxyRes(proxyRes, req as Tracked, res as ServerResponse));
    this.proxy.on('error', (err, req, res) => this.onError(err, req as Tracked, res));
    this.proxy.on('econnreset', () => undefined); // the client went away; nothing to answer
  }

  /** Forward an HTTP request; `clientIp` replaces X-Real-IP / X-Forwarded-For. */
  web(req: IncomingMessage, res: ServerResponse, clientIp: string): void {
    const headers = req.headers;
    stripHopByHop(headers);
    headers['x-real-ip'] = clientIp;
    headers['x-forwarded-for'] = clientIp;
    // Node has already answered "100 Continue" (the server has no checkContinue listener), so the
    // expectation is met; forwarded, it would make http-proxy skip its proxyReq event, and with it
    // the upstream timeouts and the abort when the client leaves.
    if (headers['expect'] !== undefined) delete headers['expect'];
    const tracked = req as Tracked;
    tracked.sentinelStart = performance.now();
    res.on('close', onClientClose); // 'close' comes once: no once-wrapper per request
    if (this.bodyMinRate > 0 && hasBody(headers)) this.watchBody(tracked, res);
    this.proxy.web(req, res);
  }

  /** Arms the minimum-body-rate check: one timer per request with a body, cleared at its end. */
  private watchBody(req: Tracked, res: ServerResponse): void {
    req.sentinelBodyBase = req.socket.bytesRead;
    req.sentinelBodyTimer = setTimeout(checkBodyRate, this.bodyGraceMs, this, req, res);
    req.on('end', onBodyEnd); // 'end' comes once: no once-wrapper
  }

  /**
   * mod_reqtimeout's rule: the body may take `graceMs` plus 1 s for every `minRate` bytes received
   * (counted on the client socket, so no listener per chunk). Past that, 408 and both sockets close.
   */
  checkBodyRate(req: Tracked, res: ServerResponse): void {
    req.sentinelBodyTimer = undefined;
    if (req.complete || req.destroyed || res.destroyed) return;
    const elapsedMs = performance.now() - (req.sentinelStart ?? 0);
    const received = req.socket.bytesRead - (req.sentinelBodyBase ?? 0);
    const allowedMs = this.bodyGraceMs + (received * 1000) / this.bodyMinRate;
    if (elapsedMs < allowedMs) {
      req.sentinelBodyTimer = setTimeout(checkBodyRate, Math.max(250, allowedMs - elapsedMs), this, req, res);
      return;
    }
    req.sentinelBodyTimedOut = true;
    this.options.onBodyTimeout?.((req.url ?? '').split('?')[0]);
    // Connection: close (a 4xx refusal): the socket is closed once the 408 is written.
    sendNewApiError(res, 408, 'request_timeout', 'the request body arrived too slowly', nextRequestId());
    req.sentinelProxyRes?.destroy();
    req.sentinelProxyReq?.destroy();
  }

  /** Forward a websocket upgrade (after the same binding check). */
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, clientIp: string): void {
    if (socket.destroyed) return; // the client left while the binding was decided
    const headers = req.headers;
    stripHopByHop(headers, true);
    headers['x-real-ip'] = clientIp;
    headers['x-forwarded-for'] = clientIp;
    this.proxy.ws(req, socket, head, this.wsOptions);
  }

  close(): void {
    this.proxy.close();
    this.agent.destroy();
    this.wsOptions.agent.destroy();
  }

  private onProxyReq(proxyReq: ClientRequest, req: Tracked, res: ServerResponse): void {
    req.sentinelProxyReq = proxyReq;
    if (res.destroyed && !res.writableFinished) proxyReq.destroy(); // the client left before the upstream socket came
  }

  private onProxyRes(proxyRes: IncomingMessage, req: Tracked, res: ServerResponse): void {
    if (req.sentinelStart !== undefined && this.options.onUpstreamLatency) {
      this.options.onUpstreamLatency((performance.now() - req.sentinelStart) / 1000);
    }
    if (res.headersSent || res.destroyed) {
      proxyRes.destroy();
      return;
    }
    req.sentinelProxyRes = proxyRes;
    // From the raw header lines: Node never builds proxyRes.headers, and repeated lines stay as sent.
    const { lines, hasContentLength } = responseHeaderLines(proxyRes.rawHeaders);
    res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, lines);
    // A response without Content-Length is a stream (SSE, chunked): send its headers now, as the
    // upstream did. One with a length has its body right behind; headers and body share a write.
    if (!hasContentLength) res.flushHeaders();
    proxyRes.pipe(res);
  }

  private onError(err: Error & { code?: string }, req: Tracked, res: ServerResponse | Duplex): void {
    const path = (req.url ?? '').split('?')[0];
    const timedOut = err.code === UPSTREAM_IDLE_TIMEOUT || err.code === UPSTREAM_CONNECT_TIMEOUT;
    const kind = timedOut
      ? 'timeout'
      : err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EHOSTUNREACH'
        ? 'unreachable'
        : 'reset';
    if (req.socket.destroyed) return; // the client is gone; nothing to report to it
    if (req.sentinelBodyTimedOut) return; // answered 408; this is the upstream request it aborted
    this.options.onError?.(kind, err, path);
    if (!('writeHead' in res)) {
      res.destroy();
      return;
    }
    const requestId = nextRequestId();
    if (timedOut) sendNewApiError(res, 504, 'upstream_timeout', 'upstream (New API) did not answer in time', requestId);
    else sendNewApiError(res, 502, 'upstream_unreachable', 'upstream (New API) is unreachable', requestId);
  }
}
