export * from './lib/admin-client/admin-client';
