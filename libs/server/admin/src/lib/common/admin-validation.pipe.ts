import { ValidationPipe, type ValidationError } from '@nestjs/common';
import type { AdminFieldError } from '@sentinel/admin-contract';
import { AdminApiError } from './admin-errors';

/** `entries.1`-style field paths with every constraint message of that field. */
export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): AdminFieldError[] {
  const out: AdminFieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const messages = Object.values(e.constraints ?? {});
    if (messages.length > 0) out.push({ field, messages });
    if (e.children && e.children.length > 0) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/**
 * The admin controllers' pipe: whitelist + forbidNonWhitelisted + transform, and 400s in the
 * admin error shape with field-level messages. Scoped with @UsePipes (not global): the proxy's
 * routes never see it.
 */
export function adminValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => AdminApiError.validation(flattenValidationErrors(errors)),
  });
}
