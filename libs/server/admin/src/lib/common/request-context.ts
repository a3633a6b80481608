import { Injectable } from '@nestjs/common';
import type { AdminRole } from '@sentinel/admin-contract';
import { AppConfig } from '@sentinel/server-core';
import { ClientIpResolver } from '@sentinel/server-proxy';
import type { IncomingMessage } from 'node:http';

/** What the admin guard attaches to an authenticated request. */
export interface AdminPrincipal {
  /** The audit actor: the account, or `<token name> (<owner>)` for an API token. */
  actor: string;
  /** The account (an API token's owner). */
  username: string;
  /** The effective role (an API token's: its own, capped by its owner's current role). */
  role: AdminRole;
  via: 'session' | 'api_token';
  sessionId?: string;
  tokenId?: string;
  tokenName?: string;
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

  /** The authenticated caller (the guard has run: a guarded route always has one). */
  principal(req: AdminRequest): AdminPrincipal {
    if (!req.admin) throw new Error('RequestContext.principal(): no principal (route not guarded?)');
    return req.admin;
  }
}
