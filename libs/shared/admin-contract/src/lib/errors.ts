import type { AdminErrorCode } from './enums';

/** One field's problems, e.g. `{ field: 'entries.1', messages: ['"10.0.0.300" is not …'] }`. */
export interface AdminFieldError {
  field: string;
  messages: string[];
}

/** Every admin API error has this shape (never a stack trace). */
export interface AdminErrorBody {
  error: {
    code: AdminErrorCode;
    message: string;
    fields?: AdminFieldError[];
    /** Seconds until a locked login may be retried (code `locked`, and 401 of a counted failure). */
    retryAfterSeconds?: number;
  };
}
