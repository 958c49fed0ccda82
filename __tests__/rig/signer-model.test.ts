import { describe, expect, it } from '@jest/globals'
import { GetSigningPlatformCommand, GetSigningProfileCommand } from '@aws-sdk/client-signer'
import { PROFILE, signFile, signer, useLocalSigner } from './signer-fixture.js'

// What the local Signer takes from the service model: name patterns, platforms, signature expiry.
useLocalSigner()

function monthIndex(date: Date): number {
  return date.getUTCFullYear() * 12 + date.getUTCMonth()
}

describe('signing profiles and platforms', () => {
  it('rejects names that break the model patterns with ValidationException', async () => {
    await expect(
      signer.send(new GetSigningProfileCommand({ profileName: 'bad-name' }))
    ).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } })
    await expect(
      signer.send(new GetSigningProfileCommand({ profileName: PROFILE, profileOwner: '12345' }))
    ).rejects.toMatchObject({ name: 'ValidationException' })
  })

  it('describes built-in platforms and answers ResourceNotFoundException for others', async () => {
    const lambda = await signer.send(
      new GetSigningPlatformCommand({ platformId: 'AWSLambda-SHA384-ECDSA' })
    )
    expect(lambda).toMatchObject({ displayName: 'AWS Lambda', maxSizeInMB: 250 })
    const small = await signer.send(
      new GetSigningPlatformCommand({ platformId: 'AmazonFreeRTOS-TI-CC3220SF' })
    )
    expect(small.maxSizeInMB).toBe(16)
    await expect(
      signer.send(new GetSigningPlatformCommand({ platformId: 'NoSuchPlatform' }))
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
  })
})

describe('signing jobs', () => {
  it('sets signatureExpiresAt 135 calendar months after completion, in whole seconds', async () => {
    const job = await signFile('expiry.zip', Buffer.from('payload'))
    const completed = job.completedAt ?? new Date(NaN)
    const expires = job.signatureExpiresAt ?? new Date(NaN)
    expect(job.createdAt?.getTime()).toBeLessThanOrEqual(completed.getTime())
    expect(monthIndex(expires) - monthIndex(completed)).toBe(135)
    expect(expires.getUTCMilliseconds()).toBe(0)
    expect(expires.getUTCHours() * 3600 + expires.getUTCMinutes() * 60).toBe(
      completed.getUTCHours() * 3600 + completed.getUTCMinutes() * 60
    )
    expect(expires.getUTCSeconds()).toBe(completed.getUTCSeconds())
  })
})
