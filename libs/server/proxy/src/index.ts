export * from './lib/server-proxy.module';
