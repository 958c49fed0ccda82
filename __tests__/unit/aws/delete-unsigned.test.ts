import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { deleteUploadedVersion } from '../../../src/aws/delete-unsigned.js'
import { sdkError } from '../helpers.js'

const s3Mock = mockClient(S3Client)
let s3: S3Client
const VERSION = {
  bucket: 'unsigned',
  key: 'unsigned/o-r/1-1/sign/abc/app.zip',
  versionId: 'v-7',
  expectedBucketOwner: '111122223333'
}

beforeEach(() => {
  s3Mock.reset()
  s3 = new S3Client({ region: 'us-east-1' })
})
afterEach(() => s3.destroy())

describe('deleteUploadedVersion', () => {
  it('deletes exactly the uploaded version, with the expected owner', async () => {
    s3Mock.on(DeleteObjectCommand).resolves({})
    expect(await deleteUploadedVersion(s3, VERSION)).toBeUndefined()
    expect(s3Mock.commandCalls(DeleteObjectCommand).map(call => call.args[0].input)).toEqual([
      {
        Bucket: 'unsigned',
        Key: 'unsigned/o-r/1-1/sign/abc/app.zip',
        VersionId: 'v-7',
        ExpectedBucketOwner: '111122223333'
      }
    ])
  })

  it('says why it could not, naming the permission on AccessDenied, and never throws', async () => {
    s3Mock.on(DeleteObjectCommand).rejects(sdkError('AccessDenied', 403, 'Access Denied'))
    expect(await deleteUploadedVersion(s3, VERSION)).toBe(
      'AccessDenied: Access Denied (the role needs s3:DeleteObjectVersion on it)'
    )
  })
})
