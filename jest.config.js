import { availableParallelism } from 'node:os'

/** ESM TypeScript through ts-jest; `npm test` runs it with --experimental-vm-modules on Node 24. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.check.json' }] },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  // Three times as many test files at once as there are cores (jest's default is one fewer than
  // the cores: a single file at a time on 2). An integration file spends most of its time
  // waiting for jobs, time-outs, back-off, settle windows and servers, and each starts its own
  // servers on free loopback ports. On 2 cores, 97 files and a cold cache, the whole run took
  // 172 s with 4, 147 s with 6, 155 s with 8; at most 8, as each file with its servers holds
  // about half a gigabyte.
  maxWorkers: Math.min(8, 3 * availableParallelism()),
  // Longest files first, from durations.json when jest has none cached (a fresh clone).
  testSequencer: './__tests__/jest/sequencer.mjs',
  // The tests' temporary directory, removed when the run ends; it stops the workers' moto_servers.
  globalSetup: './__tests__/jest/global-setup.mjs',
  globalTeardown: './__tests__/jest/global-teardown.mjs'
}
