/** Statistics and formatting for `npm run bench`: medians, percentiles, rates, Markdown tables. */

export function median(values: number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/**
 * Nearest-rank percentile: the smallest value with at least `p`% of the values at or below it.
 * With 5 runs, p90 is the largest; with 10, the second largest.
 */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1] as number
}

export const max = (values: number[]): number => (values.length ? Math.max(...values) : NaN)
export const mean = (values: number[]): number =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN

/** The most timestamps that fall in any window of `windowMs`: what a token bucket would see. */
export function peakInWindow(timesMs: number[], windowMs: number): number {
  const sorted = [...timesMs].sort((a, b) => a - b)
  let peak = 0
  let first = 0
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs) first++
    peak = Math.max(peak, last - first + 1)
  }
  return peak
}

export const seconds = (ms: number): string =>
  Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a'
export const millis = (ms: number): string => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'n/a')
export const mib = (kb: number | undefined): string =>
  kb === undefined || !Number.isFinite(kb) ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`
export const times = (ratio: number): string =>
  Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a'

export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`

/** "median / p90" of `values`, each formatted with `format`. */
export function medianP90(values: number[], format: (value: number) => string): string {
  return values.length ? `${format(median(values))} / ${format(percentile(values, 90))}` : 'n/a'
}

/** A Markdown table with padded columns, as Prettier formats it. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) =>
    Math.max(3, cell.length, ...rows.map(r => r[i]?.length ?? 0))
  )
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`
  return [line(header), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
