import baseConfig from '../../../eslint.config.mjs';

/**
 * This library also runs in the browser (the console's form validators), so its code may not use
 * Node built-ins. Specs and the benchmark run under Node and may (oracles such as node:net).
 */
const nodeBuiltins = [
  'net',
  'buffer',
  'os',
  'fs',
  'path',
  'crypto',
  'util',
  'dns',
  'http',
  'https',
  'stream',
  'url',
  'events',
  'child_process',
];

export default [
  ...baseConfig,
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: '@sentinel/net runs in the browser too: no Node built-ins.',
          })),
          patterns: [{ group: ['node:*'], message: '@sentinel/net runs in the browser too: no Node built-ins.' }],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'Use Uint8Array: @sentinel/net runs in the browser too.' },
        'process',
        'require',
      ],
    },
  },
];
