import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ProxyMetrics } from './metrics/proxy-metrics';
import { ProxyService } from './proxy.service';

/**
 * The guarded proxy. It runs in FRONT of the framework: ProxyService.handle is installed as the
 * HTTP server's request handler (the server runs with `bodyParser: false` besides), deciding and streaming every proxied request before
 * Express's router or any body parser sees it, and calling `next()` — Express and Nest — only for
 * Sentinel's own routes (health, admin API, console). Express + Nest routing costs about as much
 * as the whole proxy (README, Performance), so proxied requests never pay for it.
 * Websocket upgrades come through the server's `upgrade` event and get the same check.
 */
@Module({
  providers: [ProxyMetrics, ProxyService],
  exports: [ProxyService],
})
export class ProxyModule implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly proxy: ProxyService,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    // The first request listener is the Express application (http.createServer(app)); other
    // listeners (the graceful-shutdown counter) stay as they are.
    const [framework] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    if (!framework) throw new Error('ProxyModule: the HTTP server has no request handler to front');
    server.removeListener('request', framework);
    // Created once: no closure per request for the hand-off.
    const toFramework = (req: IncomingMessage, res: ServerResponse): void => framework.call(server, req, res);
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) =>
      this.proxy.handle(req, res, toFramework),
    );
    server.on('upgrade', (req, socket, head) => this.proxy.handleUpgrade(req, socket, head));
  }
}
