import * as core from '@actions/core'
import { errorMessage } from './errors.js'
import { readInputs } from './github/inputs.js'
import * as log from './github/log.js'
import { readRunContext } from './github/run-context.js'
import { signArtifacts } from './sign-artifacts.js'

/** The action's entry: any error becomes the step's failure message. */
export async function run(): Promise<void> {
  try {
    await signArtifacts(
      readInputs(name => core.getInput(name)),
      readRunContext()
    )
  } catch (error) {
    log.setFailed(errorMessage(error))
  }
}
