export * from './lib/net';
