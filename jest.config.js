import { availableParallelism } from 'node:os'

/** ESM TypeScript through ts-jest; `npm test` runs it with --experimental-vm-modules on Node 24. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.check.json' }] },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  // Twice as many test files at once as there are cores (jest's default is one fewer than the
  // cores: a single file at a time on 2). An integration file spends most of its time waiting
  // for jobs, time-outs, back-off and servers starting, and each starts its own servers on free
  // loopback ports. On 2 idle cores the whole run took 346 s with 1, 135 s with 3, 117 s with 4,
  // 116 s with 6; at most 8, as each file with its servers holds about half a gigabyte.
  maxWorkers: Math.min(8, 2 * availableParallelism()),
  // Longest files first, from durations.json when jest has none cached (a fresh clone).
  testSequencer: './__tests__/jest/sequencer.mjs',
  // The tests' temporary directory, removed when the run ends, and one moto_server per worker.
  globalSetup: './__tests__/jest/global-setup.mjs',
  globalTeardown: './__tests__/jest/global-teardown.mjs'
}
