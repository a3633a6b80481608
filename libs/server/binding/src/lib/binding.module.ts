import { DynamicModule, Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig, AppLogger } from '@sentinel/server-core';
import { SettingsModule } from '@sentinel/server-settings';
import { BINDING_OPTIONS, DEFAULT_BINDING_OPTIONS, type BindingOptions } from './binding.options';
import { BindingService } from './binding.service';
import { BindingCaches } from './cache/binding-caches';
import { BindingInvalidator } from './cache/binding-invalidator';
import { InterceptRecorder } from './bookkeeping/intercept-recorder';
import { UsageRecorder } from './bookkeeping/usage-recorder';
import { Spool } from './bookkeeping/spool';
import { BindingDecider } from './decision/binding-decider';
import { FirstUseLimiter } from './decision/first-use-limiter';
import { BindingEvents } from './events/binding-events';
import { BindingRepository } from './repository/binding.repository';
import { TokenIdentifier } from './token/token-id';

/** Bindings: the rules, the decision caches, the repository and the admin operations. */
@Module({})
export class BindingModule {
  static forRoot(options: Partial<BindingOptions> = {}): DynamicModule {
    return {
      module: BindingModule,
      global: true,
      imports: [SettingsModule],
      providers: [
        { provide: BINDING_OPTIONS, useValue: { ...DEFAULT_BINDING_OPTIONS, ...options } },
        {
          provide: TokenIdentifier,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => new TokenIdentifier(config.secrets.hmacSecret),
        },
        BindingRepository,
        BindingEvents,
        // The caches' one owner; other modules get its invalidate()/stats face only.
        BindingCaches,
        { provide: BindingInvalidator, useExisting: BindingCaches },
        FirstUseLimiter,
        BindingDecider,
        {
          provide: Spool,
          inject: [AppConfig, AppLogger, BINDING_OPTIONS],
          useFactory: (config: AppConfig, logger: AppLogger, o: BindingOptions) =>
            new Spool({ dir: join(config.dataDir, 'spool'), maxBytes: o.spoolMaxBytes }, logger),
        },
        UsageRecorder,
        InterceptRecorder,
        BindingService,
      ],
      exports: [
        TokenIdentifier,
        BindingRepository,
        BindingEvents,
        BindingInvalidator,
        FirstUseLimiter,
        BindingDecider,
        {
          provide: Spool,
          inject: [AppConfig, AppLogger, BINDING_OPTIONS],
          useFactory: (config: AppConfig, logger: AppLogger, o: BindingOptions) =>
            new Spool({ dir: join(config.dataDir, 'spool'), maxBytes: o.spoolMaxBytes }, logger),
        },
        UsageRecorder,
        InterceptRecorder,
        BindingService,
      ],
    };
  }
}
