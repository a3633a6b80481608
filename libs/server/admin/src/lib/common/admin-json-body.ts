import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminErrorBody } from '@sentinel/admin-contract';

type Next = (error?: unknown) => void;

/**
 * The deepest nesting of arrays and objects an admin body may have. The deepest body the contract
 * defines is 3 levels (`{ values: { … } }`, `{ entries: [ … ] }`); 32 leaves room and still stops
 * the recursion that class-transformer and class-validator do for every level (a 390 KiB body of
 * `[[[[…` overflowed the stack inside Nest's ValidationPipe: 500 and a stack trace per request).
 */
export const ADMIN_JSON_MAX_DEPTH = 32;

/**
 * Whether a JSON text nests arrays and objects deeper than `limit`, counted in one pass without
 * parsing and without recursion: `[` and `{` outside strings open a level, `]` and `}` close one.
 * Stops at the first level past the limit. Malformed text is left for JSON.parse to refuse.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) {
      depth--;
    }
  }
  return false;
}

/**
 * A JSON body reader for the admin routes only: the server runs with `bodyParser: false` so the
 * proxy can stream, and the admin API needs small JSON bodies. Dependency-free (no second Express
 * in the bundle). Failures are answered here in the admin error shape, since they happen before
 * any controller (and so before the admin exception filter). Bodies are bounded in size (413) and
 * in nesting depth (400, checked before JSON.parse, so nothing downstream ever recurses deeply).
 */
export function adminJsonBody(
  limitBytes = 1024 * 1024,
  maxDepth = ADMIN_JSON_MAX_DEPTH,
): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const fail = (res: ServerResponse, status: 400 | 413 | 415, message: string) => {
    const body: AdminErrorBody = { error: { code: 'validation_failed', message } };
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Connection', 'close');
    res.end(JSON.stringify(body));
  };
  return (req, res, next) => {
    const target = req as IncomingMessage & { body?: unknown };
    const method = req.method ?? 'GET';
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (method === 'GET' || method === 'HEAD' || !hasBody) {
      target.body = {};
      return next();
    }
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/.test(type) || /charset=(?!"?utf-8)/.test(type)) {
      req.resume();
      return fail(res, 415, 'The request body must be JSON in UTF-8.');
    }
    if (Number(req.headers['content-length'] ?? 0) > limitBytes) {
      req.resume();
      return fail(res, 413, `The request body is larger than ${limitBytes} bytes.`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limitBytes) {
        done = true;
        req.resume();
        return fail(res, 413, `The request body is larger than ${limitBytes} bytes.`);
      }
      chunks.push(chunk);
    });
    req.on('error', (e) => {
      if (done) return;
      done = true;
      next(e);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks, size).toString('utf8');
      if (jsonDepthExceeds(text, maxDepth)) {
        return fail(res, 400, `The request body is nested deeper than ${maxDepth} levels.`);
      }
      try {
        target.body = JSON.parse(text);
      } catch {
        return fail(res, 400, 'The request body is not valid JSON.');
      }
      next();
    });
  };
}
