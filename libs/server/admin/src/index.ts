export * from './lib/server-admin.module';
