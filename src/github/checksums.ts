import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, mkdir, open, writeFile } from 'node:fs/promises'
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

/**
 * Writes `file`, replacing a regular file but never following a symbolic link planted there.
 * Windows has no O_NOFOLLOW (`noFollow` is then null): a link there is refused before the
 * open instead.
 */
export async function writeNotFollowing(
  file: string,
  content: string,
  noFollow: number | null = constants.O_NOFOLLOW ?? null
): Promise<void> {
  if (noFollow === null && (await lstat(file).catch(() => undefined))?.isSymbolicLink()) {
    throw Object.assign(new Error(`ELOOP: ${file} is a symbolic link; not written through it`), {
      code: 'ELOOP'
    })
  }
  const handle = await open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (noFollow ?? 0)
  )
  try {
    await handle.writeFile(content)
  } finally {
    await handle.close()
  }
}
