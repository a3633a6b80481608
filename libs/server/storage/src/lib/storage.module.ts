import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  ModuleMetadata,
  OnApplicationShutdown,
  Provider,
} from '@nestjs/common';
import { CreateDataSourceOptions, SentinelDataSource, createDataSource } from './data-source';
import { runMigrations } from './migrate';

/** Injection token of the initialised (and, by default, migrated) SentinelDataSource. */
export const DATA_SOURCE = 'SENTINEL_DATA_SOURCE';

export interface StorageModuleOptions extends CreateDataSourceOptions {
  /** Apply pending migrations before the DataSource is handed out. Default true. */
  migrate?: boolean;
}

export interface StorageModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest factory signature
  useFactory: (...args: any[]) => StorageModuleOptions | Promise<StorageModuleOptions>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest injection tokens
  inject?: any[];
}

const STORAGE_OPTIONS = 'SENTINEL_STORAGE_OPTIONS';

@Injectable()
class StorageLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: SentinelDataSource) {}

  /**
   * The last shutdown phase, so modules that flush buffers (intercept logs, last-used
   * bookkeeping) in onModuleDestroy / beforeApplicationShutdown still have the database.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.dataSource.destroy();
  }
}

const dataSourceProvider: Provider = {
  provide: DATA_SOURCE,
  inject: [STORAGE_OPTIONS],
  useFactory: async (options: StorageModuleOptions): Promise<SentinelDataSource> => {
    const logger = options.logger ?? new Logger('Storage');
    const dataSource = await createDataSource({ ...options, logger });
    if (options.migrate !== false) {
      try {
        await runMigrations(dataSource, logger);
      } catch (error) {
        await dataSource.destroy().catch(() => undefined);
        throw error;
      }
    }
    return dataSource;
  },
};

/**
 * Provides DATA_SOURCE (global: import StorageModule.forRoot once, in the application module).
 * The DataSource is created and migrated during Nest's bootstrap and destroyed on shutdown
 * (call `app.enableShutdownHooks()` or `app.close()`).
 */
@Module({})
export class StorageModule {
  static forRoot(options: StorageModuleOptions): DynamicModule {
    return StorageModule.build([{ provide: STORAGE_OPTIONS, useValue: options }]);
  }

  static forRootAsync(options: StorageModuleAsyncOptions): DynamicModule {
    return StorageModule.build(
      [{ provide: STORAGE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      options.imports,
    );
  }

  private static build(optionProviders: Provider[], imports: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: StorageModule,
      global: true,
      imports,
      providers: [...optionProviders, dataSourceProvider, StorageLifecycle],
      exports: [DATA_SOURCE],
    };
  }
}
