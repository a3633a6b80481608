import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { AdminErrorBody, AdminErrorCode } from '@sentinel/admin-contract';
import { AppLogger } from '@sentinel/server-core';
import type { Response } from 'express';
import { AdminApiError } from './admin-errors';

const CODE_BY_STATUS: Record<number, AdminErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'validation_failed',
  415: 'validation_failed',
  429: 'locked',
  503: 'unavailable',
};

/**
 * The admin API's one error shape, `{ error: { code, message, fields? } }`, for everything its
 * controllers throw. Unexpected errors are logged (with their stack, server-side only) and
 * answered with a generic 500: no stack trace or SQL ever reaches the client.
 */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toBody(exception);
    if (res.headersSent) {
      // A streaming export failed midway: all we can do is cut the connection.
      res.destroy();
      return;
    }
    if (body.error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(body.error.retryAfterSeconds));
    res.status(status).json(body);
  }

  private toBody(exception: unknown): { status: number; body: AdminErrorBody } {
    if (exception instanceof AdminApiError) {
      const error: AdminErrorBody['error'] = { code: exception.code, message: exception.message };
      if (exception.fields) error.fields = exception.fields;
      if (exception.retryAfterSeconds !== undefined) error.retryAfterSeconds = exception.retryAfterSeconds;
      return { status: exception.status, body: { error } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'validation_failed');
      // Body-parser errors (bad JSON, too large) arrive as HttpException or carry a status.
      return { status, body: { error: { code, message: messageOf(exception) } } };
    }
    this.logger.error(exception instanceof Error ? exception : String(exception), 'Admin');
    return { status: 500, body: { error: { code: 'internal', message: 'Internal error; see the server log.' } } };
  }
}

function messageOf(e: HttpException): string {
  const r = e.getResponse();
  if (typeof r === 'string') return r;
  const m = (r as { message?: unknown }).message;
  if (typeof m === 'string') return m;
  if (Array.isArray(m)) return m.filter((x) => typeof x === 'string').join('; ');
  return e.message;
}
