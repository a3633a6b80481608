import nx from '@nx/eslint-plugin';

/** Binding caches are the binding module's own state (docs/architecture.md, "One owner for binding state"). */
const BINDING_CACHE_INTERNALS = {
  group: ['**/cache/l1-cache', '**/cache/shared-cache', '**/cache/binding-caches', '@sentinel/server-binding/src/**'],
  message: 'Only the binding module touches its caches: inject BindingInvalidator from @sentinel/server-binding.',
};

/**
 * Module boundaries, in two dimensions:
 *  - scope: server code, console code and shared (framework-free) code.
 *    The console never imports server code and vice versa; both may use shared.
 *  - type: app → feature → data-access → util. A layer may only reach down.
 * The shared libraries are framework-free: no Nest, Angular, TypeORM, ioredis, express.
 *  - scope:testing (libs/testing/*): test support. Server and console projects may use it, but only
 *    from specs, testing/ folders and the e2e apps — never from code that ships (rule below).
 */
const frameworkPackages = [
  '@nestjs/*',
  '@angular/*',
  'typeorm',
  'typeorm-*',
  'ioredis',
  'pg',
  'express',
  'http-proxy',
  'rxjs',
  '@electric-sql/*',
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/node_modules', 'data/**', 'tmp/**'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [
            {
              sourceTag: 'scope:shared',
              onlyDependOnLibsWithTags: ['scope:shared'],
              bannedExternalImports: frameworkPackages,
            },
            {
              sourceTag: 'scope:server',
              onlyDependOnLibsWithTags: ['scope:server', 'scope:shared', 'scope:testing'],
            },
            {
              sourceTag: 'scope:console',
              onlyDependOnLibsWithTags: ['scope:console', 'scope:shared', 'scope:testing'],
            },
            { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:testing', 'scope:shared'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:util'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Type-aware rules for the server and shared code: a promise is awaited, returned or handed to
    // something that handles its rejection, and never passed where a void callback is expected.
    // projectService finds each file's nearest tsconfig.json (its project's lib and spec configs).
    files: ['libs/server/**/*.ts', 'libs/shared/**/*.ts', 'libs/testing/**/*.ts', 'apps/sentinel/src/**/*.ts'],
    languageOptions: {
      parserOptions: {
        // The net bench script belongs to no tsconfig; it is checked with the default options.
        projectService: { allowDefaultProject: ['libs/shared/net/bench/*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Test support stays out of the code that ships.
    files: ['libs/**/*.ts', 'apps/sentinel/src/**/*.ts', 'apps/console/src/**/*.ts'],
    ignores: ['libs/testing/**', '**/*.spec.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['@sentinel/testing-*'], message: 'Test support: only specs and testing/ may use it.' }],
        },
      ],
    },
  },
  {
    // Typed configuration only: nothing but the config loader reads the environment.
    files: ['libs/**/*.ts', 'apps/sentinel/src/**/*.ts', 'apps/console/src/**/*.ts'],
    ignores: ['libs/server/core/src/lib/config/**', '**/*.spec.ts', '**/testing/**', 'libs/testing/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through AppConfig (libs/server/core/src/lib/config).',
        },
      ],
    },
  },
  {
    // One owner for binding state: the L1 / Redis binding caches live in libs/server/binding and
    // nowhere else reaches them. Other modules call BindingInvalidator (invalidate, stats).
    files: ['**/*.ts'],
    ignores: ['**/server/binding/src/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [BINDING_CACHE_INTERNALS] }],
    },
  },
  {
    // …and the test-only entry point that hands specs the cache owner stays out of production code.
    files: ['**/*.ts'],
    ignores: ['**/server/binding/src/**', '**/*.spec.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            BINDING_CACHE_INTERNALS,
            {
              group: ['@sentinel/server-binding/testing'],
              message: 'Test-only entry point: production code drops bindings through BindingInvalidator.',
            },
          ],
        },
      ],
    },
  },
];
