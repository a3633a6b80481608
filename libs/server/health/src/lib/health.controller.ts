import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { AppConfig, DependencyHealth, KV_STORE, type KvStore } from '@sentinel/server-core';
import { DATA_SOURCE, pingDatabase } from '@sentinel/server-storage';
import { NewApiProbe } from './new-api-probe';

const PING_TIMEOUT_MS = 1_500;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * `/health` is liveness (the original tool's answer, no dependency calls);
 * `/health/ready` is readiness: PostgreSQL and Redis, 503 when a required one is down. New API
 * (`GET /api/status`) is reported as `newApi` in `details` (and `info`), but only fails readiness
 * with READINESS_REQUIRES_NEW_API=true: Sentinel itself can still serve its console and refuse.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(KV_STORE) private readonly kv: KvStore,
    private readonly dependencies: DependencyHealth,
    private readonly newApi: NewApiProbe,
    private readonly config: AppConfig,
  ) {}

  @Get()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  async ready(): Promise<HealthCheckResult> {
    const [own, newApi] = await Promise.all([
      this.ownDependencies().then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e }),
      ),
      this.newApi.probe(PING_TIMEOUT_MS),
    ]);
    const required = this.config.readinessRequiresNewApi === true;
    const entry = { newApi: { ...newApi, required } };
    if (own.ok) {
      if (newApi.status === 'down' && required) {
        throw new ServiceUnavailableException({
          ...own.r,
          status: 'error',
          error: { ...own.r.error, ...entry },
          details: { ...own.r.details, ...entry },
        });
      }
      return { ...own.r, info: { ...own.r.info, ...entry }, details: { ...own.r.details, ...entry } };
    }
    if (own.e instanceof ServiceUnavailableException) {
      const body = own.e.getResponse() as HealthCheckResult;
      const where = newApi.status === 'down' && required ? 'error' : 'info';
      throw new ServiceUnavailableException({
        ...body,
        [where]: { ...body[where], ...entry },
        details: { ...body.details, ...entry },
      });
    }
    throw own.e;
  }

  private ownDependencies(): Promise<HealthCheckResult> {
    return this.health.check([
      async () => {
        const check = this.indicators.check('postgres');
        try {
          await withTimeout(pingDatabase(this.dataSource), PING_TIMEOUT_MS, 'PostgreSQL');
          // A successful probe closes the binding decider's circuit breaker at once: once
          // readiness says PostgreSQL is back, new tokens bind again (not up to a second later).
          this.dependencies.reportPostgresSuccess();
          return check.up({
            embedded: this.dataSource.driver.options.type === 'postgres' && !hasHost(this.dataSource),
          });
        } catch (e) {
          return check.down({ message: (e as Error).message });
        }
      },
      async () => {
        const check = this.indicators.check('redis');
        try {
          await withTimeout(this.kv.ping(), PING_TIMEOUT_MS, 'Redis');
          return check.up({ mode: this.kv.kind === 'memory' ? 'in-process' : 'redis' });
        } catch (e) {
          return check.down({ message: (e as Error).message });
        }
      },
    ]);
  }
}

function hasHost(ds: DataSource): boolean {
  const o = ds.options as { url?: string; host?: string };
  return Boolean(o.url || o.host);
}
