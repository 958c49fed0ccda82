import { undoOnSignal } from './cancellation.js'
import { run } from './main.js'

undoOnSignal()
await run()
