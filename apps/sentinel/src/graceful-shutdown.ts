import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { AppLogger } from '@sentinel/server-core';

/** The proxy's upgraded sockets (ProxyService.upgrades): Node's server no longer reaches them. */
export interface UpgradedSockets {
  /** Sockets still held: handshaking or open websockets. */
  readonly size: number;
  /** Refuse new upgrades; send each open websocket a 1001 "going away" close frame. */
  goingAway(): void;
  /** Destroy every one left. */
  destroyAll(): void;
}

/**
 * SIGTERM / SIGINT: stop accepting, let in-flight requests and streams finish within the grace
 * period, then close the application (which flushes intercept rows and last_used_at, then closes
 * PostgreSQL and Redis), then exit.
 * Websockets are told at once (a 1001 close frame each), and their closing handshake runs within
 * the grace period too; whatever is left then is destroyed, websockets included — otherwise
 * server.close() (inside app.close()) would wait for them forever.
 */
export function installGracefulShutdown(
  app: INestApplication,
  server: Server,
  graceMs: number,
  logger: AppLogger,
  upgraded: UpgradedSockets,
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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.info('Shutting down: no new connections; waiting for in-flight requests', 'Shutdown', {
      signal,
      inFlight,
      websockets: upgraded.size,
      graceMs,
    });
    server.close();
    server.closeIdleConnections();
    upgraded.goingAway();
    const deadline = started + graceMs;
    while ((inFlight > 0 || upgraded.size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      server.closeIdleConnections();
    }
    if (inFlight > 0 || upgraded.size > 0) {
      logger.warn('Grace period over; closing remaining connections', 'Shutdown', {
        inFlight,
        websockets: upgraded.size,
      });
      server.closeAllConnections();
      upgraded.destroyAll();
    }
    try {
      await app.close();
      logger.info('Stopped cleanly', 'Shutdown', { ms: Date.now() - started });
      process.exit(0);
    } catch (e) {
      logger.error('Error during shutdown', 'Shutdown', { error: (e as Error).message });
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
