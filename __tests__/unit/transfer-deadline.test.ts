import { describe, expect, it } from '@jest/globals'
import {
  MIN_BYTES_PER_SECOND,
  TransferDeadline,
  transferDeadlineMs
} from '../../src/transfer-deadline.js'

describe('transferDeadlineMs', () => {
  it('is timeout-seconds plus the time the bytes take at 1 MB/s', () => {
    expect(MIN_BYTES_PER_SECOND).toBe(1_000_000)
    expect(transferDeadlineMs(5000, 0)).toBe(5000)
    expect(transferDeadlineMs(5000, 1)).toBe(5001)
    expect(transferDeadlineMs(5000, 4096 + 1024 * 1024)).toBe(6053)
    expect(transferDeadlineMs(600_000, 2_000_000_000)).toBe(2_600_000)
  })

  it('never exceeds what a timer can wait', () => {
    expect(transferDeadlineMs(21_600_000, Number.MAX_SAFE_INTEGER)).toBe(2 ** 31 - 1)
    expect(() => new TransferDeadline(21_600_000, Number.MAX_SAFE_INTEGER)).not.toThrow()
  })
})

describe('TransferDeadline', () => {
  it('aborts its signal when the deadline passes, and says how long it was', async () => {
    const deadline = new TransferDeadline(50, 0)
    expect(deadline.passed).toBe(false)
    await new Promise(resolve => setTimeout(resolve, 80))
    expect(deadline.passed).toBe(true)
    expect(deadline.signal.aborted).toBe(true)
    expect(deadline.describe()).toBe(
      'did not finish within 0.1 s (timeout-seconds plus the time its size takes at 1 MB/s)'
    )
  })
})
