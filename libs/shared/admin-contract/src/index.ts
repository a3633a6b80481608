export * from './lib/admin-contract';
