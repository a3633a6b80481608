import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertModule } from '@sentinel/server-alert';
import { ArchiveModule } from '@sentinel/server-archive';
import { AdminModule } from '@sentinel/server-admin';
import { BindingModule } from '@sentinel/server-binding';
import { AppConfig, AppLogger, CoreModule } from '@sentinel/server-core';
import { HealthModule } from '@sentinel/server-health';
import { ProxyModule } from '@sentinel/server-proxy';
import { SettingsModule } from '@sentinel/server-settings';
import { StorageModule } from '@sentinel/server-storage';

/**
 * Wiring only: which modules make up the Sentinel server. Each one lives in its own library
 * under libs/server/<module>; see docs/architecture.md.
 */
@Module({})
export class AppModule {
  static register(config: AppConfig, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, logger),
        StorageModule.forRoot({
          pgDsn: config.postgres.dsn,
          dataDir: config.dataDir,
          logger: {
            log: (m) => logger.info(m, 'Storage'),
            warn: (m) => logger.warn(m, 'Storage'),
            error: (m) => logger.error(m, 'Storage'),
          },
        }),
        SettingsModule,
        BindingModule.forRoot({ interceptQueueMax: config.interceptQueueMax, spoolMaxBytes: config.spoolMaxBytes }),
        HealthModule,
        ScheduleModule.forRoot(),
        AlertModule.forRoot({ publicUrl: config.publicUrl ?? null }),
        ArchiveModule,
        AdminModule,
        // Last: its middleware hands Sentinel's own routes (health, admin) to the modules above.
        ProxyModule,
      ],
    };
  }
}
