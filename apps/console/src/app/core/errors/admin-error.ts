import { HttpErrorResponse } from '@angular/common/http';
import { ADMIN_ERROR_CODES, type AdminErrorBody, type AdminErrorCode } from '@sentinel/admin-contract';

import { Messages } from '../i18n/messages/messages';

/** The admin API's error body, when `error` is an HTTP error carrying one. */
export function adminError(error: unknown): AdminErrorBody['error'] | null {
  if (!(error instanceof HttpErrorResponse)) return null;
  const body: unknown = error.error;
  if (typeof body !== 'object' || body === null || !('error' in body)) {
    return null;
  }
  const inner = (body as { error: unknown }).error;
  if (typeof inner !== 'object' || inner === null) return null;
  const code = (inner as { code?: unknown }).code;
  if (!(ADMIN_ERROR_CODES as readonly unknown[]).includes(code)) return null;
  return inner as AdminErrorBody['error'] & { code: AdminErrorCode };
}

/** A line to show for a failed call: the API's message, or a translated generic one. */
export function errorMessage(error: unknown, t: Messages): string {
  const body = adminError(error);
  if (body) {
    const fields = body.fields?.flatMap((f) => f.messages) ?? [];
    return fields.length > 0 ? `${body.message} ${fields.join(' ')}` : body.message;
  }
  if (error instanceof HttpErrorResponse && error.status === 0) {
    return t.common.networkError;
  }
  return t.common.unexpectedError;
}
