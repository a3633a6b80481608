import { createServer, type ServerOptions } from 'node:http';
import { ExpressAdapter } from '@nestjs/platform-express';

/**
 * The public listener's protections against slow and oversized requests, as http.createServer
 * options (they can only be given at construction: Node reads `connectionsCheckingInterval` once).
 *  - 16 KiB header limit (Node's default) → 431.
 *  - `headersTimeout` → 408 when the header block has not fully arrived in time (slowloris).
 *    Node enforces it from a periodic sweep every `connectionsCheckingInterval` (30 s by default,
 *    which would answer a 20 s timeout after up to 50 s); the sweep runs at least every second
 *    here, so the 408 comes within headersTimeout + min(1 s, headersTimeout / 4).
 *  - No request timeout: an upload or a stream may take an hour; the upstream idle timeout
 *    bounds it instead.
 */
export function httpServerOptions(headersTimeoutMs: number): ServerOptions {
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
    maxHeaderSize: 16 * 1024,
  };
}

/**
 * Nest's Express adapter, creating its HTTP server with `options` instead of Node's defaults.
 * Everything else — the Express app as the server's request handler, which ProxyModule then
 * fronts with the proxy — stays Nest's own wiring.
 */
export class SentinelExpressAdapter extends ExpressAdapter {
  constructor(private readonly serverOptions: ServerOptions) {
    super();
  }

  override initHttpServer(options: Parameters<ExpressAdapter['initHttpServer']>[0]): void {
    if (options?.httpsOptions) {
      super.initHttpServer(options);
      return;
    }
    // (Sentinel sets neither httpsOptions — TLS ends at nginx — nor forceCloseConnections.)
    this.httpServer = createServer(this.serverOptions, this.getInstance());
  }
}
