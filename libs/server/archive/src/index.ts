export * from './lib/server-archive.module';
