import type { IncomingMessage, ServerResponse } from 'node:http';

type Next = (error?: unknown) => void;

/**
 * Response headers of every admin API answer (login above all: it returns a bearer token):
 * never stored by a browser or an intermediary cache, never content-sniffed. Set before any
 * other admin middleware, so the body reader's own 400/413/415 answers carry them too.
 */
export const ADMIN_API_HEADERS: readonly (readonly [string, string])[] = [
  ['Cache-Control', 'no-store'],
  ['X-Content-Type-Options', 'nosniff'],
];

export function adminApiHeaders(): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  return (_req, res, next) => {
    for (const [name, value] of ADMIN_API_HEADERS) res.setHeader(name, value);
    next();
  };
}
