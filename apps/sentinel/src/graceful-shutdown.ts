import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { AppLogger } from '@sentinel/server-core';

/**
 * SIGTERM / SIGINT: stop accepting, let in-flight requests and streams finish within the grace
 * period, then close the application (which flushes intercept rows and last_used_at, then closes
 * PostgreSQL and Redis), then exit.
 */
export function installGracefulShutdown(
  app: INestApplication,
  server: Server,
  graceMs: number,
  logger: AppLogger,
): void {
  let inFlight = 0;
  // One shared listener ('close' comes once per response): no closure or once-wrapper per request.
  const finished = (): void => {
    inFlight--;
  };
  server.on('request', (_req, res) => {
    inFlight++;
    res.on('close', finished);
  });
  let upgraded = 0;
  server.on('upgrade', (_req, socket) => {
    upgraded++;
    socket.once('close', () => upgraded--);
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('Shutting down: no new connections; waiting for in-flight requests', 'Shutdown', {
      signal,
      inFlight,
      websockets: upgraded,
      graceMs,
    });
    server.close();
    server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while ((inFlight > 0 || upgraded > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      server.closeIdleConnections();
    }
    if (inFlight > 0 || upgraded > 0) {
      logger.warn('Grace period over; closing remaining connections', 'Shutdown', { inFlight, websockets: upgraded });
      server.closeAllConnections();
    }
    try {
      await app.close();
      logger.info('Stopped cleanly', 'Shutdown');
      process.exit(0);
    } catch (e) {
      logger.error('Error during shutdown', 'Shutdown', { error: (e as Error).message });
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
