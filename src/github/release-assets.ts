import path from 'node:path'
import { ActionError, InputError } from '../errors.js'
import type { ArtifactFile } from '../pipeline/find-files.js'
import { toPosix } from '../pipeline/paths.js'
import type { FileResult } from '../pipeline/sign-one-file.js'
import type { RunContext } from './run-context.js'
import { Input } from './inputs.js'

/** An asset is named by the file's path under output-dir, '/' turned into '-'. */
export function releaseAssetName(outputPath: string, outputDir: string): string {
  return toPosix(path.relative(outputDir, outputPath)).replace(/\//g, '-')
}

/** Two files that would get one asset name are refused before any request. */
export function refuseAssetNameClashes(files: ArtifactFile[], outputDir: string): void {
  const seen = new Map<string, ArtifactFile>()
  for (const file of files) {
    const name = releaseAssetName(file.outputPath, outputDir)
    const other = seen.get(name)
    if (other) {
      throw new InputError(
        Input.ReleaseTag,
        `'${other.signedPath}' and '${file.signedPath}' would both become the release asset '${name}'; rename one, or attach them in separate steps.`
      )
    }
    seen.set(name, file)
  }
}

export interface ReleaseTarget {
  tag: string
  token: string
  outputDir: string
  workspace: string
  context: RunContext
}

/** Attaches each signed file to the release; sets its releaseAssetUrl. */
export async function attachToRelease(results: FileResult[], target: ReleaseTarget): Promise<void> {
  throw new ActionError(`attaching ${results.length} files to ${target.tag} is being built`)
}
