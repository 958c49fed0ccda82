import { describe, expect, it } from '@jest/globals'
import {
  jobRun,
  WRITE_TIME_SLACK_MS,
  writtenDuring,
  writtenOutside
} from '../../../src/aws/job-write-time.js'

// The job ran for ten seconds.
const JOB = {
  createdAt: new Date('2026-12-07T06:00:00Z'),
  completedAt: new Date('2026-12-07T06:00:10Z')
}

describe('writtenDuring', () => {
  const at = (ms: number) => new Date(ms)
  const created = JOB.createdAt.getTime()
  const completed = JOB.completedAt.getTime()

  it.each<[string, Date | undefined, boolean]>([
    ['while the job ran', at(created + 5000), true],
    ['at the slack before its creation', at(created - WRITE_TIME_SLACK_MS), true],
    ['at the slack after its completion', at(completed + WRITE_TIME_SLACK_MS), true],
    ['just before that', at(created - WRITE_TIME_SLACK_MS - 1), false],
    ['just after that', at(completed + WRITE_TIME_SLACK_MS + 1), false],
    ['a day later', at(completed + 86_400_000), false],
    ['at no time S3 says', undefined, false]
  ])('an object written %s: %s', (_when, writtenAt, expected) => {
    expect(writtenDuring(writtenAt, JOB)).toBe(expected)
  })

  it('takes no object for a job whose times are unknown', () => {
    const unknown = { createdAt: new Date(NaN), completedAt: new Date(NaN) }
    expect(writtenDuring(at(created), unknown)).toBe(false)
  })
})

describe('writtenOutside', () => {
  it('says when the object was written and when the job ran', () => {
    expect(writtenOutside(new Date('2026-12-07T07:00:00Z'), 'job-1', JOB)).toBe(
      'was written at 2026-12-07T07:00:00.000Z, not while job job-1 ran (2026-12-07T06:00:00.000Z to 2026-12-07T06:00:10.000Z): it was put there before the job or replaced since, so it is not what the job signed'
    )
  })

  it('says so when S3 or Signer names no time', () => {
    expect(writtenOutside(undefined, 'job-1', { ...JOB, completedAt: new Date(NaN) })).toBe(
      'was written at a time S3 does not say, not while job job-1 ran (2026-12-07T06:00:00.000Z to ?): it was put there before the job or replaced since, so it is not what the job signed'
    )
  })
})

describe('jobRun', () => {
  const runner = {
    askedAt: new Date('2026-01-01T10:00:00Z'),
    endSeenAt: new Date('2026-01-01T10:00:30Z')
  }

  it("takes Signer's times, and the runner's where Signer leaves one out", () => {
    const said = {
      createdAt: new Date('2026-01-01T10:00:02Z'),
      completedAt: new Date('2026-01-01T10:00:20Z')
    }
    expect(jobRun(said, runner)).toEqual(said)
    expect(jobRun({}, runner)).toEqual({
      createdAt: runner.askedAt,
      completedAt: runner.endSeenAt
    })
    expect(jobRun({ createdAt: said.createdAt }, runner)).toEqual({
      createdAt: said.createdAt,
      completedAt: runner.endSeenAt
    })
  })

  it("refuses, without Signer's times, an object written before the step asked for the job", () => {
    const run = jobRun({}, runner)
    expect(writtenDuring(new Date('2026-01-01T10:00:10Z'), run)).toBe(true)
    expect(writtenDuring(new Date('2026-01-01T09:59:50Z'), run)).toBe(false)
    expect(writtenDuring(new Date('2026-01-01T10:00:40Z'), run)).toBe(false)
  })
})
