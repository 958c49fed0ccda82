import { removePartialFilesOnSignal } from './download.js'
import { run } from './main.js'

removePartialFilesOnSignal()
await run()
