export * from './lib/server-binding.module';
