import { DynamicModule, Global, Module } from '@nestjs/common';
import { ARCHIVE_OPTIONS, DEFAULT_ARCHIVE_OPTIONS, type ArchiveOptions } from './archive.options';
import { ArchiveRepository } from './archive.repository';
import { ArchiveService } from './archive.service';

/**
 * The archive/retention job. Needs ScheduleModule.forRoot() (SchedulerRegistry) and the global
 * StorageModule, SettingsModule, BindingModule and CoreModule. Exports ArchiveService (runNow,
 * lastRun) for the admin API.
 */
// Global: the admin API injects its service; importing the module twice would double its subscriptions.
@Global()
@Module({
  providers: [{ provide: ARCHIVE_OPTIONS, useValue: DEFAULT_ARCHIVE_OPTIONS }, ArchiveRepository, ArchiveService],
  exports: [ArchiveService],
})
export class ArchiveModule {
  static forRoot(options: Partial<ArchiveOptions> = {}): DynamicModule {
    return {
      module: ArchiveModule,
      global: true,
      providers: [
        { provide: ARCHIVE_OPTIONS, useValue: { ...DEFAULT_ARCHIVE_OPTIONS, ...options } },
        ArchiveRepository,
        ArchiveService,
      ],
      exports: [ArchiveService],
    };
  }
}
