module.exports = {
  displayName: 'server-storage',
  preset: '../../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  coverageDirectory: '../../../coverage/libs/server/storage',
  // *.int.spec.ts run PostgreSQL (real and embedded PGlite); a first PGlite start is ~5 s.
  testTimeout: 30_000,
};
