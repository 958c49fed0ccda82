import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { mkdir, open, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { toPosix } from '../pipeline/paths.js'
import type { FileResult } from '../pipeline/sign-one-file.js'

/**
 * The signed files in `sha256sum` format, named relative to output-dir: `sha256sum -c` run there
 * (or where an artifact of output-dir is downloaded) checks every one.
 */
export function checksumsOf(signed: FileResult[], outputDir: string, workspace: string): string {
  return signed
    .map(result =>
      checksumLine(
        result.sha256,
        toPosix(path.relative(outputDir, path.join(workspace, result.signedPath)))
      )
    )
    .join('')
}

/**
 * `<hex>  <name>`. Names never hold a line break (such files are refused), so no line needs GNU's
 * escaped form, which actions/attest cannot read: sha256sum -c takes a plain line's name as it is.
 */
export function checksumLine(sha256: string, name: string): string {
  return `${sha256}  ${name}\n`
}

/** Under RUNNER_TEMP, which the runner empties after the job; a name of its own per step. */
export async function writeChecksumsFile(
  checksums: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<string> {
  const directory = env.RUNNER_TEMP || tmpdir()
  await mkdir(directory, { recursive: true })
  const file = path.join(directory, `aws-signer-checksums-${randomBytes(6).toString('hex')}.sha256`)
  await writeFile(file, checksums)
  return file
}

/** Writes `file`, replacing a regular file but never following a symbolic link planted there. */
export async function writeNotFollowing(file: string, content: string): Promise<void> {
  const handle = await open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW
  )
  try {
    await handle.writeFile(content)
  } finally {
    await handle.close()
  }
}
