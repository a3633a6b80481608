import baseConfig from '../../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // The binding module owns its caches: the workspace rule that keeps every other project out of
    // src/lib/cache (BINDING_CACHE_INTERNALS in the root config) does not apply to the owner itself.
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
];
