import type { AdminErrorCode, AdminFieldError } from '@sentinel/admin-contract';

/** An admin API failure with its contract code; the filter turns it into the error shape. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: AdminErrorCode,
    message: string,
    readonly fields?: AdminFieldError[],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }

  static validation(fields: AdminFieldError[], message = 'The request is not valid.'): AdminApiError {
    return new AdminApiError(400, 'validation_failed', message, fields);
  }

  static notFound(message: string): AdminApiError {
    return new AdminApiError(404, 'not_found', message);
  }

  static unauthorized(message = 'Sign in again: the session is missing, expired or invalid.'): AdminApiError {
    return new AdminApiError(401, 'unauthorized', message);
  }
}
