import { describe, expect, it } from '@jest/globals'
import { clientRequestToken } from '../../../src/pipeline/request-token.js'
import type { RunContext } from '../../../src/github/run-context.js'

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'
const OTHER_SHA = 'ffb2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'

const CONTEXT: RunContext = {
  repository: 'octo-org/widget',
  runId: '987654321',
  runAttempt: '1',
  job: 'build',
  sha: '0123456789abcdef0123456789abcdef01234567',
  serverUrl: 'https://github.com'
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('clientRequestToken', () => {
  const profile = { name: 'release_profile', owner: undefined }

  it('is UUID-shaped: 36 characters of lowercase hex and hyphens', () => {
    const token = clientRequestToken(CONTEXT, profile, SHA)
    expect(token).toHaveLength(36)
    expect(token).toMatch(UUID)
  })

  it('is deterministic', () => {
    expect(clientRequestToken({ ...CONTEXT }, { ...profile }, SHA)).toBe(
      clientRequestToken(CONTEXT, profile, SHA)
    )
  })

  it('does not depend on the commit sha or server URL of the run', () => {
    expect(
      clientRequestToken(
        { ...CONTEXT, sha: 'other', serverUrl: 'https://ghe.example' },
        profile,
        SHA
      )
    ).toBe(clientRequestToken(CONTEXT, profile, SHA))
  })

  it('changes with each of repository, run id, attempt, job, profile name, owner and sha', () => {
    const base = clientRequestToken(CONTEXT, profile, SHA)
    const variants = {
      repository: clientRequestToken({ ...CONTEXT, repository: 'octo-org/gadget' }, profile, SHA),
      runId: clientRequestToken({ ...CONTEXT, runId: '987654322' }, profile, SHA),
      attempt: clientRequestToken({ ...CONTEXT, runAttempt: '2' }, profile, SHA),
      job: clientRequestToken({ ...CONTEXT, job: 'build-arm' }, profile, SHA),
      name: clientRequestToken(CONTEXT, { ...profile, name: 'other_profile' }, SHA),
      owner: clientRequestToken(CONTEXT, { ...profile, owner: '111122223333' }, SHA),
      sha: clientRequestToken(CONTEXT, profile, OTHER_SHA)
    }
    for (const [field, token] of Object.entries(variants)) {
      expect([field, token]).not.toEqual([field, base])
      expect(token).toMatch(UUID)
    }
    expect(new Set(Object.values(variants)).size).toBe(Object.keys(variants).length)
  })

  it('does not confuse fields whose concatenation is the same', () => {
    expect(clientRequestToken({ ...CONTEXT, runId: '12', runAttempt: '3' }, profile, SHA)).not.toBe(
      clientRequestToken({ ...CONTEXT, runId: '1', runAttempt: '23' }, profile, SHA)
    )
  })
})
