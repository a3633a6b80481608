import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ADMIN_ROLES, roleAtLeast, type AdminRole } from '@sentinel/admin-contract';
import { AdminApiError } from '../common/admin-errors';
import { RequestContext, type AdminRequest } from '../common/request-context';
import { AdminAuthService } from './admin-auth.service';
import { REQUIRED_ROLE, SESSION_ONLY } from './require-role.decorator';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*|sst_[A-Za-z0-9_-]{43})$/;
const MAX_TOKEN = 4_096;

/**
 * The one admin guard: `Authorization: Bearer <jwt | sst_…>` on every admin route but the public
 * ones, then the route's @RequireRole declaration against the caller's role (403 `forbidden`).
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly auth: AdminAuthService,
    private readonly reflector: Reflector,
    private readonly ctx: RequestContext,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.get<AdminRole | undefined>(REQUIRED_ROLE, context.getHandler());
    if (!required || !ADMIN_ROLES.includes(required)) {
      // A route without a declaration is a programming error, never an open door.
      throw new AdminApiError(500, 'internal', 'This route declares no required role.');
    }
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const header = req.headers.authorization;
    if (typeof header !== 'string' || header.length > MAX_TOKEN) throw AdminApiError.unauthorized();
    const match = BEARER.exec(header.trim());
    if (!match) throw AdminApiError.unauthorized();
    const principal = await this.auth.verify(match[1], this.ctx.clientIp(req));
    req.admin = principal;
    if (!roleAtLeast(principal.role, required))
      throw new AdminApiError(403, 'forbidden', `This needs the ${required} role; you are ${principal.role}.`);
    if (principal.via === 'api_token' && this.reflector.get<boolean>(SESSION_ONLY, context.getHandler()))
      throw new AdminApiError(403, 'forbidden', 'API tokens cannot do this; sign in.');
    return true;
  }
}
