import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, NestMiddleware } from '@nestjs/common';
import { ProxyService } from './proxy.service';

/**
 * The proxy as a global middleware, installed by ProxyModule in front of the framework (and the
 * server runs with `bodyParser: false` besides): every request that is not Sentinel's own is
 * decided and streamed here and never reaches the router; `next()` hands the rest to Nest.
 */
@Injectable()
export class ProxyMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  constructor(private readonly proxy: ProxyService) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    this.proxy.handle(req, res, next);
  }
}
