import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminErrorBody } from '@sentinel/admin-contract';

type Next = (error?: unknown) => void;

/**
 * A JSON body reader for the admin routes only: the server runs with `bodyParser: false` so the
 * proxy can stream, and the admin API needs small JSON bodies. Dependency-free (no second Express
 * in the bundle). Failures are answered here in the admin error shape, since they happen before
 * any controller (and so before the admin exception filter).
 */
export function adminJsonBody(
  limitBytes = 1024 * 1024,
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
      try {
        target.body = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
      } catch {
        return fail(res, 400, 'The request body is not valid JSON.');
      }
      next();
    });
  };
}
