module.exports = {
  displayName: 'workspace-plugin',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testTimeout: 60000,
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  coverageDirectory: '../../coverage/tools/workspace-plugin',
};
