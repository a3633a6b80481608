import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { nextRequestId, sendNewApiError } from '../errors/new-api-error';
import { responseHeaderLines, stripHopByHop } from './hop-by-hop';

export interface ForwarderOptions {
  target: URL;
  /** Idle timeout on the upstream socket: long enough for hour-long LLM streams. */
  timeoutMs: number;
  connectTimeoutMs: number;
  onUpstreamLatency?: (seconds: number) => void;
  onError?: (kind: 'unreachable' | 'timeout' | 'reset', error: Error, path: string) => void;
}

interface Tracked extends IncomingMessage {
  sentinelStart?: number;
  /** The upstream request and response, for the one client-close listener to abort. */
  sentinelProxyReq?: ClientRequest;
  sentinelProxyRes?: IncomingMessage;
}

/**
 * The one `close` listener per client response (shared, so no closure per request): a client that
 * disconnects before its response finished aborts the upstream request and response — no model
 * tokens burnt for nobody. With `Expect: 100-continue` http-proxy emits no proxyReq event, so
 * only the response is known then, as before.
 */
function onClientClose(this: ServerResponse): void {
  if (this.writableFinished) return;
  const req = this.req as Tracked;
  req.sentinelProxyRes?.destroy();
  req.sentinelProxyReq?.destroy();
}

/** Upstream idle timeout (shared callback; `this` is the upstream request). */
function onUpstreamTimeout(this: ClientRequest): void {
  this.destroy(Object.assign(new Error('upstream timed out'), { code: 'ETIMEDOUT' }));
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
  readonly agent: HttpAgent;

  constructor(private readonly options: ForwarderOptions) {
    const https = options.target.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: Infinity, maxFreeSockets: 512, scheduling: 'lifo' as const };
    this.agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
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
    this.proxy.on('proxyReqWs', (proxyReq) => this.armTimeouts(proxyReq));
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
    (req as Tracked).sentinelStart = performance.now();
    res.once('close', onClientClose);
    this.proxy.web(req, res);
  }

  /** Forward a websocket upgrade (after the same binding check). */
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, clientIp: string): void {
    const headers = req.headers;
    stripHopByHop(headers, true);
    headers['x-real-ip'] = clientIp;
    headers['x-forwarded-for'] = clientIp;
    this.proxy.ws(req, socket, head);
  }

  close(): void {
    this.proxy.close();
    this.agent.destroy();
  }

  private onProxyReq(proxyReq: ClientRequest, req: Tracked, res: ServerResponse): void {
    this.armTimeouts(proxyReq);
    req.sentinelProxyReq = proxyReq;
    if (res.destroyed && !res.writableFinished) proxyReq.destroy(); // the client left before the upstream socket came
  }

  private armTimeouts(proxyReq: ClientRequest): void {
    proxyReq.setTimeout(this.options.timeoutMs, onUpstreamTimeout); // ETIMEDOUT → 504 in onError
    const socket = proxyReq.socket;
    if (socket && socket.connecting) {
      const timer = setTimeout(() => {
        proxyReq.destroy(Object.assign(new Error('upstream connect timed out'), { code: 'ETIMEDOUT' }));
      }, this.options.connectTimeoutMs);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    }
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
    const timedOut = err.code === 'ETIMEDOUT'; // both upstream timeouts destroy with this code
    const kind = timedOut
      ? 'timeout'
      : err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EHOSTUNREACH'
        ? 'unreachable'
        : 'reset';
    if (req.socket.destroyed) return; // the client is gone; nothing to report to it
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
