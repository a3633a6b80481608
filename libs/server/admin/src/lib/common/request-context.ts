import { Injectable } from '@nestjs/common';
import { AppConfig } from '@sentinel/server-core';
import { ClientIpResolver } from '@sentinel/server-proxy';
import type { IncomingMessage } from 'node:http';

/** What the admin guard attaches to an authenticated request. */
export interface AdminPrincipal {
  actor: string;
}

export type AdminRequest = IncomingMessage & { admin?: AdminPrincipal };

/** The client's address for audit rows, resolved the same way as the proxy (realip semantics). */
@Injectable()
export class RequestContext {
  private readonly resolver: ClientIpResolver;

  constructor(config: AppConfig) {
    this.resolver = new ClientIpResolver(config.trustedProxies);
  }

  clientIp(req: IncomingMessage): string | null {
    const r = this.resolver.resolve(req.socket.remoteAddress, req.rawHeaders);
    return r.ok ? r.ip.canonical : null;
  }

  actor(req: AdminRequest): string {
    return req.admin?.actor ?? 'anonymous';
  }
}
