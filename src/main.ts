import * as core from '@actions/core'
import { errorMessage } from './errors.js'
import { readInputs, type Inputs } from './github/inputs.js'
import * as log from './github/log.js'
import { readRunContext, type RunContext } from './github/run-context.js'
import { signArtifacts } from './sign-artifacts.js'

/** The action's entry: any error becomes the step's failure message. */
export async function run(): Promise<void> {
  try {
    await runMode(
      readInputs(name => core.getInput(name)),
      readRunContext()
    )
  } catch (error) {
    log.setFailed(errorMessage(error))
  }
}

/** One top-level stage per `mode`. */
async function runMode(inputs: Inputs, context: RunContext): Promise<void> {
  switch (inputs.mode) {
    case 'sign':
      return signArtifacts(inputs, context)
    // Loaded only in their modes: a signing step does not compile the notary and revocation code.
    case 'verify':
      return (await import('./verify-artifacts.js')).verifyArtifacts(inputs)
    case 'revoke':
      return (await import('./revoke-signatures.js')).revokeSignatures(inputs)
  }
}
