export * from './lib/services';
export * from './lib/redis-keys';
export * from './lib/database';
