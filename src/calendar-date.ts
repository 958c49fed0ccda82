/**
 * Whether an RFC 3339 date-time's date and time of day exist: Date.parse rolls 2025-02-30 over
 * to March 2 and 24:00 to the next day, an instant nobody wrote. The parts are read back from a
 * date built of them. The offset is left to Date.parse, which refuses one out of range.
 */
export function isRealDateTime(value: string): boolean {
  const match = /^(\d{4})-(\d\d)-(\d\d)t(\d\d):(\d\d)(?::(\d\d))?/i.exec(value)
  if (!match) return false
  const parts = match.slice(1).map(part => Number(part ?? 0))
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = parts
  const time = new Date(0)
  // setUTCFullYear, not Date.UTC, which reads the years 0 to 99 as 1900 to 1999.
  time.setUTCFullYear(year, month - 1, day)
  time.setUTCHours(hour, minute, second)
  const readBack = [
    time.getUTCFullYear(),
    time.getUTCMonth() + 1,
    time.getUTCDate(),
    time.getUTCHours(),
    time.getUTCMinutes(),
    time.getUTCSeconds()
  ]
  return readBack.every((part, index) => part === parts[index])
}
