export * from './lib/server-settings.module';
