module.exports = {
  displayName: 'sentinel-e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testTimeout: 60000,
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js'],
  testMatch: ['<rootDir>/src/**/*.e2e.ts'],
  coverageDirectory: '../../coverage/apps/sentinel-e2e',
};
