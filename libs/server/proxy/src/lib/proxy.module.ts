import type { Server } from 'node:http';
import { MiddlewareConsumer, Module, NestModule, OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ProxyMetrics } from './metrics/proxy-metrics';
import { ProxyMiddleware } from './proxy.middleware';
import { ProxyService } from './proxy.service';

/** The guarded proxy: global middleware for HTTP, and the server's `upgrade` event for websockets. */
@Module({
  providers: [ProxyMetrics, ProxyService, ProxyMiddleware],
  exports: [ProxyService],
})
export class ProxyModule implements NestModule, OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly proxy: ProxyService,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ProxyMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (req, socket, head) => this.proxy.handleUpgrade(req, socket, head));
  }
}
