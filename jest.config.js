/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // The generated Prisma client imports its TypeScript siblings as '.js'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/global-setup.ts',
  // #12: the phone-sealing key from the parsed config, as the API's and worker's main do.
  // Each jest worker's own copy of the run's database (test/global-setup.ts makes them).
  setupFiles: ['<rootDir>/test/setup-worker-database.ts', '<rootDir>/test/setup-phone-seal.ts'],
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  modulePathIgnorePatterns: ['<rootDir>/.tools', '<rootDir>/.data'],
  watchman: false,
};
