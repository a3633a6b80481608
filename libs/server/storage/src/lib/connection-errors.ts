/**
 * Whether a PostgreSQL error means "the connection this statement ran on was lost" rather than
 * "the database is down or slow": a pooled connection reset by a proxy, a load balancer or a
 * server restart fails its next statement with one of these, and the pool drops it, so one retry
 * on a fresh connection usually succeeds. Timeouts are deliberately not included: retrying a slow
 * database doubles the wait. Only idempotent statements may be retried on this signal.
 */
export function isConnectionLost(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (LOST_SOCKET_CODES.has(code) || LOST_SQLSTATES.has(code))) return true;
  return LOST_MESSAGES.some((m) => e.message.includes(m));
}

const LOST_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);
/** SQLSTATE class 08 (connection exception) and 57P01 (terminated by an administrator). */
const LOST_SQLSTATES = new Set(['08000', '08003', '08006', '57P01']);
const LOST_MESSAGES = ['Connection terminated', 'not queryable'];
