// The chaos suite (#11, `npm run test:chaos`): one real stack per file (test/chaos/stack.ts),
// kept out of `npm test` by its file suffix. Bounded: each scenario waits at most its own
// convergence deadline.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/chaos'],
  testMatch: ['**/*.chaos.ts'],
  globalSetup: '<rootDir>/test/chaos/global-setup.ts',
  globalTeardown: '<rootDir>/test/chaos/global-teardown.ts',
  testTimeout: 330_000,
};
