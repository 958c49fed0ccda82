import { removePartialFilesOnSignal } from './aws/download.js'
import { run } from './main.js'

removePartialFilesOnSignal()
await run()
