export * from './lib/server-core.module';
