export * from './lib/runtime-settings';
export * from './lib/settings.module';
export * from './lib/settings.repository';
export * from './lib/settings-sync';
export * from './lib/settings-validation';
