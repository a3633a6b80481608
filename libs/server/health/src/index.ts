export * from './lib/health.module';
export * from './lib/new-api-probe';
