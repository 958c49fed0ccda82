import * as log from '../github/log.js'
import type { ArtifactFile } from './find-files.js'
import { signFile, type FileResult, type SigningSetup } from './sign-one-file.js'

/**
 * Lets files flow through upload → start → wait → download with at most `maxConcurrency` in
 * flight: one file's wait never holds back another's upload, and one file's failure never
 * abandons the others. Results keep the order of `files`.
 */
export async function signAll(
  files: ArtifactFile[],
  setup: SigningSetup,
  maxConcurrency: number
): Promise<FileResult[]> {
  const results: FileResult[] = new Array(files.length)
  const live = files.length === 1
  let next = 0
  let done = 0

  const worker = async (): Promise<void> => {
    for (let index = next++; index < files.length; index = next++) {
      const file = files[index] as ArtifactFile
      // Groups cannot interleave in the log: one file logs live, several log a group each when done.
      const lines: string[] = []
      if (live) log.startGroup(`Signing ${file.path}`)
      const result = await signFile(file, setup, line => (live ? log.info(line) : lines.push(line)))
      results[index] = result
      done++
      if (live) {
        log.endGroup()
      } else {
        log.startGroup(
          `${result.status === 'signed' ? 'Signed' : 'Failed'} ${file.path} (${result.seconds} s)`
        )
        lines.forEach(line => log.info(line))
        if (result.error) log.info(result.error)
        log.endGroup()
      }
      const signed = results.filter(r => r?.status === 'signed').length
      log.info(
        `${signed}/${files.length} signed${done > signed ? `, ${done - signed} failed` : ''}`
      )
    }
  }
  await Promise.all(Array.from({ length: Math.min(maxConcurrency, files.length) }, worker))
  return results
}
