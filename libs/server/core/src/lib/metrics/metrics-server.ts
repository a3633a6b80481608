import { createServer, type Server } from 'node:http';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AppLogger } from '../logging/app-logger';
import { MetricsRegistry } from './metrics';

/**
 * Prometheus metrics on their own listener (METRICS_HOST:METRICS_PORT, loopback by default), so
 * the public entrypoint never exposes them. METRICS_PORT=0 turns it off.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsRegistry,
    private readonly logger: AppLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { host, port } = this.config.metrics;
    if (port === 0) return;
    const registry = this.metrics.registry;
    this.server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, host, () => resolve());
    }).catch((e: Error) => {
      this.logger.warn('Metrics listener not started', 'Metrics', { host, port, error: e.message });
      this.server = undefined;
    });
    if (this.server) this.logger.info('Metrics listening', 'Metrics', { url: `http://${host}:${port}/metrics` });
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
