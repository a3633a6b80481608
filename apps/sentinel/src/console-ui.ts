import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppLogger } from '@sentinel/server-core';
import type { NextFunction, Request, Response } from 'express';

/** Where the built console sits next to the built server (dist/apps/console/browser). */
export function consoleDir(): string {
  return join(__dirname, '..', 'console', 'browser');
}

/**
 * Serves the built console at /admin/ui/ when no nginx is in front (the quick start): static
 * files with long caching for hashed bundles, and index.html for deep links
 * (/admin/ui/bindings/42) so the Angular router can take over.
 */
export function serveConsole(app: NestExpressApplication, logger: AppLogger, dir = consoleDir()): void {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    logger.warn('Console build not found; /admin/ui/ is not served (run `npm run build`)', 'Console', { dir });
    return;
  }
  const html = readFileSync(index);
  app.useStaticAssets(dir, {
    prefix: '/admin/ui/',
    index: false,
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
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.end(req.method === 'HEAD' ? undefined : html);
  };
  app.use('/admin/ui', (req: Request, res: Response, next: NextFunction) => {
    // A missing file with an extension is a 404, not the app; anything else is a route of the app.
    if (/\.[a-z0-9]+$/i.test(req.path)) return next();
    if (req.originalUrl === '/admin/ui') return res.redirect(301, '/admin/ui/');
    return sendIndex(req, res, next);
  });
}
