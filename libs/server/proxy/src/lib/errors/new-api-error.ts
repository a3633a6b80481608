import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

let counter = 0;
// 48 random bits per process: instances started in the same millisecond with the same pid (one per
// container) still get distinct ids. Intercept rows are unique by request id (a retried batch is a
// no-op), so two instances sharing a prefix would silently merge their rows.
const prefix = `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;

/** A short id, unique across instances, for correlating a refusal with its log line and intercept row. */
export function nextRequestId(): string {
  counter = (counter + 1) >>> 0;
  return `${prefix}${counter.toString(36).padStart(6, '0')}`;
}

export type NewApiErrorCode =
  | 'access_denied'
  | 'bad_request'
  | 'ambiguous_credentials'
  | 'service_unavailable'
  | 'rate_limit_exceeded'
  | 'request_timeout'
  | 'upstream_unreachable'
  | 'upstream_timeout';

/**
 * Errors in New API's own shape, so SDKs (OpenAI, Anthropic, Google) show the message:
 * `{"error":{"message":"… (request id: …)","type":"new_api_error","code":"…"}}`, with the request
 * id also in `X-Oneapi-Request-Id` as New API sends it and in `X-Request-Id`, which the OpenAI SDK
 * reads into `err.requestID`.
 * A refusal (4xx: 400, 403, 408, 429) carries `Connection: close`, and Node closes the socket once
 * the answer is written: the request body is never read or drained, however slowly it comes.
 */
export function sendNewApiError(
  res: ServerResponse,
  status: number,
  code: NewApiErrorCode,
  message: string,
  requestId: string,
  extraHeaders?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    error: { message: `${message} (request id: ${requestId})`, type: 'new_api_error', code },
  });
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-oneapi-request-id': requestId,
    'x-request-id': requestId,
    'x-sentinel-request-id': requestId,
    'cache-control': 'no-store',
    ...extraHeaders,
  };
  if (status < 500) headers['connection'] = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * The same refusal on a raw socket, for websocket upgrades that are refused; the socket is
 * destroyed once the answer is written (end() alone would leave it half-open, and the request's
 * trailing bytes unread).
 */
export function rejectUpgrade(
  socket: Duplex,
  status: number,
  code: NewApiErrorCode,
  message: string,
  requestId: string,
): void {
  const body = JSON.stringify({
    error: { message: `${message} (request id: ${requestId})`, type: 'new_api_error', code },
  });
  const reason = STATUS_TEXT[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Oneapi-Request-Id: ${requestId}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      `Connection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
