import { DynamicModule, Global, Module } from '@nestjs/common';
import { ALERT_OPTIONS, DEFAULT_ALERT_OPTIONS, type AlertOptions } from './alert.options';
import { AlertService } from './alert.service';

/**
 * Intercept alerts: counts refused requests per token (BindingEvents.intercepts) and delivers one
 * webhook per token and window. Needs the global CoreModule, StorageModule, SettingsModule and
 * BindingModule. Exports AlertService (sendTestAlert, recentDeliveries) for the admin API.
 */
// Global: the admin API injects its service; importing the module twice would double its subscriptions.
@Global()
@Module({
  providers: [{ provide: ALERT_OPTIONS, useValue: DEFAULT_ALERT_OPTIONS }, AlertService],
  exports: [AlertService],
})
export class AlertModule {
  static forRoot(options: Partial<AlertOptions> = {}): DynamicModule {
    return {
      module: AlertModule,
      global: true,
      providers: [{ provide: ALERT_OPTIONS, useValue: { ...DEFAULT_ALERT_OPTIONS, ...options } }, AlertService],
      exports: [AlertService],
    };
  }
}
