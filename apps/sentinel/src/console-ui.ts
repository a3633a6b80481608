import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppLogger } from '@sentinel/server-core';
import type { NextFunction, Request, Response } from 'express';

/**
 * The console's Content-Security-Policy. Scripts only from the console's own origin and never
 * inline (the build emits no inline script: `inlineCritical: false` in apps/console/project.json
 * keeps Angular from inlining critical CSS with an `onload` handler); API calls to the same
 * origin; no plug-ins, no `<base>` or form target elsewhere, and no framing (clickjacking).
 * `style-src` allows inline styles: Angular adds each component's styles as `<style>` elements at
 * run time and Angular Material / CDK set `style` attributes (overlays, ripples); a nonce would
 * need a per-response index.html, which nginx serving the static build cannot give. Inline
 * styles cannot run code. nginx/nginx.conf sends the same policy (nginx.e2e.ts compares them).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent with every console response (index.html, deep links, bundles, assets). */
export const CONSOLE_SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', CONSOLE_CSP],
  ['X-Frame-Options', 'DENY'],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
];

function setSecurityHeaders(res: { setHeader(name: string, value: string): unknown }): void {
  for (const [name, value] of CONSOLE_SECURITY_HEADERS) res.setHeader(name, value);
}

/** Where the built console sits next to the built server (dist/apps/console/browser). */
export function consoleDir(): string {
  return join(__dirname, '..', 'console', 'browser');
}

/**
 * Serves the built console at /admin/ui/ when no nginx is in front (the quick start): static
 * files with long caching for hashed bundles, and index.html for deep links
 * (/admin/ui/bindings/42) so the Angular router can take over; every response with
 * {@link CONSOLE_SECURITY_HEADERS}.
 */
export function serveConsole(app: NestExpressApplication, logger: AppLogger, dir = consoleDir()): void {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    logger.warn('Console build not found; /admin/ui/ is not served (run `npm run build`)', 'Console', { dir });
    return;
  }
  const html = readFileSync(index);
  // First, so every answer under /admin/ui carries them: files, index.html, redirects, 404s.
  app.use('/admin/ui', (_req: Request, res: Response, next: NextFunction) => {
    setSecurityHeaders(res);
    next();
  });
  app.useStaticAssets(dir, {
    prefix: '/admin/ui/',
    index: false,
    // The /admin/ui → /admin/ui/ redirect is ours (below), with the console's headers.
    redirect: false,
    fallthrough: true,
    setHeaders: (res, path) => {
      res.setHeader(
        'cache-control',
        /-[A-Z0-9]{8}\.(js|css)$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const sendIndex = (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-cache');
    res.end(req.method === 'HEAD' ? undefined : html);
  };
  app.use('/admin/ui', (req: Request, res: Response, next: NextFunction) => {
    // A missing file with an extension is a 404, not the app; anything else is a route of the app.
    if (/\.[a-z0-9]+$/i.test(req.path)) return next();
    if (req.originalUrl === '/admin/ui') return res.redirect(301, '/admin/ui/');
    return sendIndex(req, res, next);
  });
}
