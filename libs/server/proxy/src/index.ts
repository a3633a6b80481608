export * from './lib/proxy.module';
export * from './lib/proxy.service';
export * from './lib/client-ip/client-ip';
export * from './lib/errors/new-api-error';
export * from './lib/credentials/relay-key';
