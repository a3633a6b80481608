import { applyDecorators, Controller, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ADMIN_API_PREFIX } from '@sentinel/admin-contract';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { AdminExceptionFilter } from './admin-exception.filter';
import { adminValidationPipe } from './admin-validation.pipe';

const PREFIX = ADMIN_API_PREFIX.replace(/^\//, '');

/**
 * An admin API controller: routes under /admin/api, the admin validation pipe and error shape,
 * and the JWT guard unless `public` (login only).
 */
export function AdminController(options: { public?: boolean } = {}): ClassDecorator {
  const decorators = [Controller(PREFIX), UseFilters(AdminExceptionFilter), UsePipes(adminValidationPipe())];
  if (!options.public) decorators.push(UseGuards(AdminAuthGuard));
  return applyDecorators(...decorators);
}
