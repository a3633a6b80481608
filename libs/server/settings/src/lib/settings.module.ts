import { Global, Module } from '@nestjs/common';
import { RuntimeSettings } from './runtime-settings';
import { SettingsRepository } from './settings.repository';
import { SettingsSync } from './settings-sync';

/**
 * Global: the live settings are read by most modules. Needs DATA_SOURCE (StorageModule) and
 * KV_STORE (CoreModule), both global in the application.
 */
@Global()
@Module({
  providers: [RuntimeSettings, SettingsRepository, SettingsSync],
  exports: [RuntimeSettings, SettingsSync],
})
export class SettingsModule {}
