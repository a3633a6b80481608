import { SetMetadata } from '@nestjs/common';
import type { AdminRole } from '@sentinel/admin-contract';

export const REQUIRED_ROLE = 'sentinel:admin-required-role';

/**
 * The weakest role that may call this route. Every guarded admin route declares one: the guard
 * refuses a route without it (500, and the OpenAPI check fails the build first), and the
 * declaration must equal the contract's ADMIN_OPERATIONS role.
 */
export const RequireRole = (role: AdminRole): MethodDecorator => SetMetadata(REQUIRED_ROLE, role);

/** Routes that API tokens may not call (they need an interactive session, e.g. a password change). */
export const SESSION_ONLY = 'sentinel:admin-session-only';
export const SessionOnly = (): MethodDecorator => SetMetadata(SESSION_ONLY, true);
