export * from './lib/runtime-settings';
export * from './lib/settings.module';
