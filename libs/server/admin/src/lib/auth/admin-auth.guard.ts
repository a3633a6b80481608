import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AdminApiError } from '../common/admin-errors';
import type { AdminRequest } from '../common/request-context';
import { AdminAuthService } from './admin-auth.service';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;
const MAX_TOKEN = 4_096;

/** `Authorization: Bearer <jwt>` on every admin route but login. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(private readonly auth: AdminAuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const header = req.headers.authorization;
    if (typeof header !== 'string' || header.length > MAX_TOKEN) throw AdminApiError.unauthorized();
    const match = BEARER.exec(header.trim());
    if (!match) throw AdminApiError.unauthorized();
    req.admin = await this.auth.verify(match[1]);
    return true;
  }
}
