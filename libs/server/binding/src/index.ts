export * from './lib/binding.module';
export * from './lib/binding.options';
export * from './lib/binding.service';
export * from './lib/bookkeeping/intercept-recorder';
export * from './lib/bookkeeping/usage-recorder';
// The caches themselves (l1-cache, shared-cache, binding-caches) stay inside the library: other
// modules drop bindings through BindingInvalidator only (lint rule in eslint.config.mjs).
export * from './lib/cache/binding-invalidator';
export * from './lib/decision/binding-decider';
export * from './lib/decision/first-use-limiter';
export * from './lib/events/binding-events';
export * from './lib/repository/binding.repository';
export * from './lib/rules/binding-rule';
export * from './lib/token/token-id';
