import { realpathSync } from 'node:fs'
import path from 'node:path'
import { InputError } from '../errors.js'
import { Input } from '../github/inputs.js'
import { singleLine } from '../safe-text.js'
import type { ArtifactFile } from './find-files.js'
import {
  firstLink,
  isInsideOnDisk,
  isSameOnDisk,
  linkLeaving,
  realpathOfExisting,
  toPosix
} from './paths.js'

/**
 * Signed copies are kept apart from the files they are signed from once symbolic links are
 * followed: a copy written over its file would lose the unsigned bytes, and one written among the
 * files to sign would be signed again by the next run. Refused before any request.
 */
export function refuseInputsInsideOutputDir(
  files: ArtifactFile[],
  workspace: string,
  outputDir: string,
  platform: NodeJS.Platform = process.platform
): void {
  const realOutputDir = realpathOfExisting(outputDir)
  const shown = (value: string) => `'${singleLine(toPosix(path.relative(workspace, value)))}'`
  for (const file of files) {
    const real = realpathSync(file.absolutePath)
    if (!isInsideOnDisk(realOutputDir, real, platform)) continue
    // Where the file's own path already lies where output-dir leads (out -> dist), output-dir's
    // link is the one to name; otherwise a link on the file's way (build -> signed).
    const byOutputDir = isInsideOnDisk(realOutputDir, file.absolutePath, platform)
    const link = firstLink(workspace, byOutputDir ? outputDir : file.absolutePath)
    const via = link ? ` (${shown(link.path)} is a symbolic link to ${shown(link.target)})` : ''
    const harm = isSameOnDisk(realTargetOf(file.outputPath), real, platform)
      ? `so its signed copy '${file.signedPath}' would be written over it`
      : 'so signed copies would be written among the files to sign'
    const fix = `${link ? 'Remove the link, or choose' : 'Choose'} an output-dir that neither is nor leads into a folder of the files to sign.`
    throw new InputError(
      byOutputDir ? Input.OutputDir : Input.Path,
      `'${file.path}' lies inside output-dir ${shown(outputDir)} once symbolic links are followed${via}, ${harm}. ${fix}`
    )
  }
}

/** A symbolic link inside output-dir that leads out of it would carry a signed file elsewhere. */
export function refuseLinksOut(
  files: ArtifactFile[],
  outputDir: string,
  platform: NodeJS.Platform = process.platform
): void {
  for (const file of files) {
    const link = linkLeaving(path.dirname(file.outputPath), outputDir)
    if (!link) continue
    const target = realTargetOf(file.outputPath)
    const overwritten = files.find(other =>
      isSameOnDisk(realpathSync(other.absolutePath), target, platform)
    )
    const over = overwritten ? `, over '${overwritten.path}', a file to sign` : ''
    throw new InputError(
      Input.OutputDir,
      `${singleLine(link.path)} is a symbolic link to ${singleLine(link.target)}, outside the output directory ${outputDir}; the signed '${file.signedPath}' would be written there${over}. Remove the link: signed files are written only inside output-dir.`
    )
  }
}

/** Where a write to `target` lands: links among its folders are followed, one at the name is replaced. */
function realTargetOf(target: string): string {
  return path.join(realpathOfExisting(path.dirname(target)), path.basename(target))
}
