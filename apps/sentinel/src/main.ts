import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppLogger, ConfigError, loadConfig, type AppConfig } from '@sentinel/server-core';
import { ProxyService } from '@sentinel/server-proxy';
import { createDataSource, runMigrations } from '@sentinel/server-storage';
import { AppModule } from './app/app.module';
import { NewApiProbe } from '@sentinel/server-health';
import { serveConsole } from './console-ui';
import { httpServerOptions, SentinelExpressAdapter } from './http-server';
import { installGracefulShutdown } from './graceful-shutdown';
import { startupSummary } from './startup-summary';

// Start-up notices (the generated password) wait for the summary at the end, so they are not
// scrolled away; they are flushed at once if start-up fails.
const notices: string[] = [];
const flushNotices = () => {
  for (const n of notices.splice(0)) process.stderr.write(`[sentinel] ${n}\n`);
};

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig({ notice: (m) => notices.push(m) });
  } catch (e) {
    if (e instanceof ConfigError) {
      flushNotices();
      process.stderr.write(`[sentinel] ${e.message}\n[sentinel] Refusing to start.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const logger = new AppLogger(config.logLevel);

  if (process.argv[2] === 'migrate') {
    flushNotices();
    // `npm run migrate`: apply pending migrations (under the advisory lock) and exit.
    const storageLogger = {
      log: (m: string) => logger.info(m, 'Migrate'),
      warn: (m: string) => logger.warn(m, 'Migrate'),
      error: (m: string) => logger.error(m, 'Migrate'),
    };
    const ds = await createDataSource({ pgDsn: config.postgres.dsn, dataDir: config.dataDir, logger: storageLogger });
    try {
      const applied = await runMigrations(ds, storageLogger);
      logger.info(applied.length ? `Applied ${applied.length} migration(s)` : 'Database is up to date', 'Migrate', {
        applied,
      });
    } finally {
      await ds.destroy();
    }
    return;
  }

  const adapter = new SentinelExpressAdapter(httpServerOptions(config.http.headersTimeoutMs));
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), adapter, {
    logger,
    // The proxy must see the raw, unparsed body stream; admin routes parse JSON themselves.
    bodyParser: false,
  });
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  serveConsole(app, logger);

  // Created by SentinelExpressAdapter: 16 KiB headers (431), APP_HEADERS_TIMEOUT_MS (408), no
  // request timeout (see http-server.ts).
  const server = app.getHttpServer();
  server.on('connection', (socket: import('node:net').Socket) => socket.setNoDelay(true));
  installGracefulShutdown(app, server, config.shutdownGraceMs, logger, app.get(ProxyService).upgrades);

  await app.init();
  // New API is asked once before listening (a readiness check that passes means it was asked).
  const newApi = await app.get(NewApiProbe).probe();
  if (newApi.status === 'down') {
    logger.warn('New API is unreachable: requests will get 502 until it answers', 'Bootstrap', {
      downstream: newApi.url,
      reason: newApi.message,
    });
  }
  // A deep accept backlog: SDK fleets open connections in bursts (Node's default is 511).
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.http.port, host: config.http.host, backlog: 4096 }, () => resolve());
  });
  logger.info('Sentinel is listening', 'Bootstrap', {
    host: config.http.host,
    port: config.http.port,
    downstream: config.downstreamUrl.origin,
    storage: config.embeddedPostgres ? `embedded PostgreSQL (PGlite) in ${config.dataDir}` : 'PostgreSQL',
    redis: config.inProcessRedis ? 'in-process (single instance)' : 'Redis',
    failsafe: config.failsafeMode,
    newApi: newApi.status,
  });
  // Notices other than the generated password (e.g. "using generated secrets in …") come first.
  if (config.adminPasswordGenerated) notices.length = 0;
  flushNotices();
  process.stderr.write(startupSummary(config, newApi));
}

bootstrap().catch((e: unknown) => {
  flushNotices();
  process.stderr.write(`[sentinel] failed to start: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
