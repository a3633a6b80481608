import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@sentinel/server-core';
import { SettingsModule } from '@sentinel/server-settings';
import { BINDING_OPTIONS, DEFAULT_BINDING_OPTIONS, type BindingOptions } from './binding.options';
import { BindingService } from './binding.service';
import { InterceptRecorder } from './bookkeeping/intercept-recorder';
import { UsageRecorder } from './bookkeeping/usage-recorder';
import { BindingDecider } from './decision/binding-decider';
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
        BindingDecider,
        UsageRecorder,
        InterceptRecorder,
        BindingService,
      ],
      exports: [
        TokenIdentifier,
        BindingRepository,
        BindingEvents,
        BindingDecider,
        UsageRecorder,
        InterceptRecorder,
        BindingService,
      ],
    };
  }
}
