// Prints the polling-schedule table of BENCHMARKS.md ("Polling schedule"): jobs of each length
// the issue names, simulated with a seeded clock, under the previous schedule and the current one.
//   npm run -s build:scripts && node build/scripts/poll-table.js [draws]
import { nextPollDelayMs } from '../src/aws/poll-schedule.js'
import { pollTable } from '../__tests__/unit/aws/poll-simulation.js'

const draws = Number(process.argv[2] ?? 20_000)
console.log(pollTable(nextPollDelayMs, draws, 11))
