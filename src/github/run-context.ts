/** Where this run comes from, read from the runner's environment. */
export interface RunContext {
  repository: string
  runId: string
  runAttempt: string
  job: string
  sha: string
  serverUrl: string
}

// Read straight from the environment: @actions/github would load Octokit for four strings.
export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  return {
    repository: env.GITHUB_REPOSITORY || 'local/repository',
    runId: env.GITHUB_RUN_ID || '0',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    job: env.GITHUB_JOB || 'job',
    sha: env.GITHUB_SHA || '',
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com'
  }
}
