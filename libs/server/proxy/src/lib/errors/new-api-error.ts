import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
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

/** One refusal, answered the same way on an HTTP response and on a raw upgrade socket. */
export interface Refusal {
  readonly status: number;
  readonly code: NewApiErrorCode;
  readonly message: string;
  readonly requestId: string;
  /** e.g. `retry-after` on a 429 or 503. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Errors in New API's own shape, so SDKs (OpenAI, Anthropic, Google) show the message:
 * `{"error":{"message":"… (request id: …)","type":"new_api_error","code":"…"}}`, with the request
 * id also in `X-Oneapi-Request-Id` as New API sends it, in `X-Request-Id`, which the OpenAI SDK
 * reads into `err.requestID`, and in `X-Sentinel-Request-Id`.
 * A refusal (4xx: 400, 403, 408, 429) carries `Connection: close`, and Node closes the socket once
 * the answer is written: the request body is never read or drained, however slowly it comes.
 */
function refusalBody(r: Refusal): string {
  return JSON.stringify({
    error: { message: `${r.message} (request id: ${r.requestId})`, type: 'new_api_error', code: r.code },
  });
}

/** The header block of a refusal: one list for both paths (an upgrade always closes). */
function refusalHeaders(r: Refusal, body: string, upgrade: boolean): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-oneapi-request-id': r.requestId,
    'x-request-id': r.requestId,
    'x-sentinel-request-id': r.requestId,
    'cache-control': 'no-store',
    ...r.headers,
  };
  if (upgrade || r.status < 500) headers['connection'] = 'close';
  return headers;
}

/** Answers a refusal on an HTTP response (a response already under way is destroyed instead). */
export function sendRefusal(res: ServerResponse, r: Refusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = refusalBody(r);
  res.writeHead(r.status, refusalHeaders(r, body, false));
  res.end(body);
}

export function sendNewApiError(
  res: ServerResponse,
  status: number,
  code: NewApiErrorCode,
  message: string,
  requestId: string,
  extraHeaders?: Record<string, string>,
): void {
  sendRefusal(res, { status, code, message, requestId, headers: extraHeaders });
}

/**
 * The same refusal on a raw socket, for websocket upgrades that are refused: the same headers, the
 * status text from `http.STATUS_CODES`, and the socket destroyed once the answer is written (end()
 * alone would leave it half-open, and the request's trailing bytes unread).
 */
export function rejectUpgrade(socket: Duplex, r: Refusal): void {
  const body = refusalBody(r);
  let head = `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'Error'}\r\n`;
  for (const [name, value] of Object.entries(refusalHeaders(r, body, true))) head += `${name}: ${value}\r\n`;
  socket.end(`${head}\r\n${body}`, () => socket.destroy());
}
