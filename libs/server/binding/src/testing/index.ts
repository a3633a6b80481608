// Test-only entry point: the cache owner, for specs in other libraries that build a decider by
// hand and need to look into Redis. Production code imports `@sentinel/server-binding` only
// (lint forbids this entry outside specs).
export { BindingCaches } from '../lib/cache/binding-caches';
export { bindingState } from './binding-state';
