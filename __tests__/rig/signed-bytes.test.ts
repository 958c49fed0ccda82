import { createHash } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import { readSignature, signedBytesOf } from './signed-bytes.js'

describe('signed bytes', () => {
  it('appends a block that readSignature finds, and nothing else does', () => {
    const payload = Buffer.from('payload')
    const signed = signedBytesOf(payload, 'job-1', 'ABCDEFGHIJ')
    expect(signed.subarray(0, payload.length).equals(payload)).toBe(true)
    expect(readSignature(signed)).toEqual({
      jobId: 'job-1',
      profileVersion: 'ABCDEFGHIJ',
      sha256: createHash('sha256').update(payload).digest('hex'),
      payloadLength: payload.length
    })
    expect(readSignature(payload)).toBeNull()
    expect(readSignature(Buffer.concat([signed, Buffer.from('trailing')]))).toBeNull()
  })

  it('needs the profile version of a job this process did not create', () => {
    expect(() => signedBytesOf(Buffer.from('x'), 'unknown-job')).toThrow('unknown-job')
  })
})
