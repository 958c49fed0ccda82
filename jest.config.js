/** ESM TypeScript through ts-jest; `npm test` runs it with --experimental-vm-modules on Node 24. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.check.json' }] },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  // The tests' temporary files all go into one directory, removed when the run ends.
  globalSetup: './__tests__/jest/temp-dir-setup.mjs',
  globalTeardown: './__tests__/jest/temp-dir-teardown.mjs'
}
