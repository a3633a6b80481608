import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, NestMiddleware } from '@nestjs/common';
import { ProxyService } from './proxy.service';

/**
 * The proxy as a global Nest middleware, registered before any body parser (the server runs
 * with `bodyParser: false`): every request that is not Sentinel's own is decided and streamed
 * here and never reaches the router.
 */
@Injectable()
export class ProxyMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  constructor(private readonly proxy: ProxyService) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    this.proxy.handle(req, res, next);
  }
}
