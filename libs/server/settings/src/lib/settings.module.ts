import { Global, Module } from '@nestjs/common';
import { RuntimeSettings } from './runtime-settings';

/** Global: the live settings are read by most modules. */
@Global()
@Module({
  providers: [RuntimeSettings],
  exports: [RuntimeSettings],
})
export class SettingsModule {}
