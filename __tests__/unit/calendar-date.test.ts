import { describe, expect, it } from '@jest/globals'
import { isRealDateTime } from '../../src/calendar-date.js'

describe('isRealDateTime', () => {
  it.each([
    '2024-02-29T00:00:00Z',
    '2025-12-31T23:59:59.999+14:00',
    '0099-01-01T00:00:00Z',
    '2025-06-01t12:00z'
  ])('takes %s, which exists', value => {
    expect(isRealDateTime(value)).toBe(true)
  })

  it.each([
    '2025-02-29T00:00:00Z',
    '2025-02-30T00:00:00Z',
    '2025-04-31T00:00:00Z',
    '2025-01-01T24:00:00Z',
    '2025-01-01T23:60Z',
    '2025-01-01T00:00:60Z',
    '2025-00-10T00:00:00Z',
    '1 March 2026'
  ])('refuses %s, which Date.parse rolls over or cannot read', value => {
    expect(isRealDateTime(value)).toBe(false)
  })
})
