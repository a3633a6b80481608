import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Generator templates are not TypeScript until they are rendered.
    ignores: ['src/generators/*/files/**', 'src/generators/*/e2e-files/**'],
  },
];
