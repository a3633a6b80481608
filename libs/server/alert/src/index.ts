export * from './lib/server-alert.module';
