import { realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import * as glob from '@actions/glob'
import { InputError } from '../errors.js'
import { Input } from '../github/inputs.js'
import { info } from '../github/log.js'
import { singleLine } from '../safe-text.js'
import { refuseUnsafeNames } from './file-names.js'
import { refuseInputsInsideOutputDir, refuseLinksOut } from './output-dir-checks.js'
import { isInside, isInsideOnDisk, onDiskForm, pathFor, toPosix } from './paths.js'

/** One file to sign and where its signed copy goes. */
export interface ArtifactFile {
  /** Absolute path of the unsigned file. */
  absolutePath: string
  /** Workspace-relative, with '/' separators: how the file is named in logs and outputs. */
  path: string
  /** Relative to the common ancestor of all matched files; kept under output-dir. */
  relativePath: string
  /** Absolute path of the signed file. */
  outputPath: string
  /** Workspace-relative path of the signed file, '/' separators. */
  signedPath: string
  size: number
}

const GLOB_CHARACTERS = /[*?[\]]/

/**
 * Resolves the `path` patterns to regular files inside the workspace, mapped to output paths.
 * Files under output-dir are left out, so that a second run never signs signed files; files that
 * reach it only through a symbolic link are refused.
 */
export async function findArtifactFiles(
  patterns: string[],
  workspace: string,
  outputDir: string,
  platform: NodeJS.Platform = process.platform
): Promise<ArtifactFile[]> {
  rejectDirectories(patterns, workspace)
  const globber = await glob.create(
    patterns.map(pattern => anchor(pattern, workspace)).join('\n'),
    {
      matchDirectories: false,
      implicitDescendants: false
    }
  )
  const matches = new Map<string, string[]>()
  const insideOutputDir = new Set<string>()
  for (const match of await globber.glob()) {
    const real = realpathSync(match)
    if (!isInside(workspace, real)) {
      throw new InputError(
        Input.Path,
        `'${singleLine(path.relative(workspace, match))}' resolves to ${singleLine(real)}, outside the workspace; only files inside ${workspace} are signed.`
      )
    }
    if (isInsideOnDisk(outputDir, match, platform)) insideOutputDir.add(real)
    else matches.set(real, [...(matches.get(real) ?? []), match])
  }
  if (matches.size === 0) noFiles(patterns, workspace, outputDir, insideOutputDir.size)
  // One file under several names (a symbolic link to it was matched too) is signed once: under
  // its own name when that was matched, else the first in order, whatever order the glob took.
  const files = [...matches].map(([real, names]) => keptName(real, names)).sort()
  for (const [real, names] of matches) {
    if (names.length > 1) sameFile(keptName(real, names), names, workspace)
  }
  refuseUnsafeNames(files, workspace)
  refuseSpecialFiles(files, workspace)
  const mapped = mapToOutputs(files, workspace, outputDir, platform)
  refuseInputsInsideOutputDir(mapped, workspace, outputDir, platform)
  refuseLinksOut(mapped, outputDir, platform)
  return mapped
}

/** One file to verify: where it is, and how a signing record would name it. */
export interface FoundFile {
  absolutePath: string
  /** Workspace-relative, '/' separators. */
  path: string
  /** Relative to the files' common ancestor, '/' separators: as signing names it under output-dir. */
  relativePath: string
  size: number
}

/**
 * Resolves the `path` patterns of a verifying step to regular files inside the workspace, each
 * once, with the names a signing record gives such files (relative to their common ancestor).
 */
export async function findFilesToVerify(
  patterns: string[],
  workspace: string,
  platform: NodeJS.Platform = process.platform
): Promise<FoundFile[]> {
  rejectDirectories(patterns, workspace)
  const globber = await glob.create(
    patterns.map(pattern => anchor(pattern, workspace)).join('\n'),
    { matchDirectories: false, implicitDescendants: false }
  )
  const matches = new Map<string, string>()
  for (const match of await globber.glob()) {
    const real = realpathSync(match)
    if (!isInside(workspace, real)) {
      throw new InputError(
        Input.Path,
        `'${singleLine(path.relative(workspace, match))}' resolves to ${singleLine(real)}, outside the workspace; only files inside ${workspace} are verified.`
      )
    }
    if (!matches.has(real)) matches.set(real, match)
  }
  if (matches.size === 0) {
    throw new InputError(
      Input.Path,
      `no files matched ${patterns.map(pattern => `'${pattern}'`).join(', ')} in ${workspace}. Patterns are relative to the workspace; check that an earlier step put the signed files there.`
    )
  }
  const files = [...matches.values()].sort()
  refuseUnsafeNames(files, workspace)
  refuseSpecialFiles(files, workspace)
  const p = pathFor(platform)
  const ancestor = commonAncestor(
    files.map(file => p.dirname(file)),
    platform
  )
  return files.map(absolutePath => ({
    absolutePath,
    path: toPosix(p.relative(workspace, absolutePath), platform),
    relativePath: toPosix(p.relative(ancestor, absolutePath), platform),
    size: statSync(absolutePath).size
  }))
}

/** Says why nothing is left to sign: nothing matched, or every match lies inside output-dir. */
function noFiles(
  patterns: string[],
  workspace: string,
  outputDir: string,
  insideOutputDir: number
): never {
  const quoted = patterns.map(pattern => `'${pattern}'`).join(', ')
  if (insideOutputDir === 0) {
    throw new InputError(
      Input.Path,
      `no files matched ${quoted} in ${workspace}. Patterns are relative to the workspace; check that an earlier step built the files there.`
    )
  }
  const count = insideOutputDir === 1 ? '1 file' : `${insideOutputDir} files`
  throw new InputError(
    Input.OutputDir,
    `every file that ${quoted} matched (${count}) lies inside output-dir '${toPosix(path.relative(workspace, outputDir))}', where the signed copies are written; files there are never signed, so that a rerun does not sign its own signed copies. Choose an output-dir apart from the files to sign, such as 'signed', or check that an earlier step built the files outside it.`
  )
}

/** A FIFO, socket or device would block or never end the read: only regular files are signed. */
function refuseSpecialFiles(files: string[], workspace: string): void {
  const special = files.filter(file => !statSync(file).isFile())
  if (special.length === 0) return
  const names = special.map(file => `'${toPosix(path.relative(workspace, file))}'`).join(', ')
  throw new InputError(
    Input.Path,
    `${names} ${special.length === 1 ? 'is not a regular file' : 'are not regular files'} (a FIFO, socket or device); only regular files are signed. Leave ${special.length === 1 ? 'it' : 'them'} out with a '!' pattern.`
  )
}

/**
 * A pattern is anchored at the workspace, not at the process's working directory. The workspace
 * part is escaped, so a runner directory such as `ws[1]` is not read as a character class.
 */
export function anchor(
  pattern: string,
  workspace: string,
  platform: NodeJS.Platform = process.platform
): string {
  const p = pathFor(platform)
  const negation = /^!+/.exec(pattern)?.[0] ?? ''
  const body = pattern.slice(negation.length)
  return negation + (p.isAbsolute(body) ? body : p.join(globEscape(workspace, platform), body))
}

/** @actions/glob's own escaping (it has no braces or extglobs); '\\' is a separator on Windows. */
export function globEscape(literal: string, platform: NodeJS.Platform = process.platform): string {
  return (platform === 'win32' ? literal : literal.replace(/\\/g, '\\\\'))
    .replace(/\[(?=[^/]+\])/g, '[[]')
    .replace(/\?/g, '[?]')
    .replace(/\*/g, '[*]')
}

function rejectDirectories(patterns: string[], workspace: string): void {
  for (const pattern of patterns) {
    if (pattern.startsWith('!') || GLOB_CHARACTERS.test(pattern)) continue
    const stats = statSync(path.resolve(workspace, pattern), { throwIfNoEntry: false })
    if (stats?.isDirectory()) {
      throw new InputError(
        Input.Path,
        `'${pattern}' is a directory; directories are not signed. Name the files, for example '${path.posix.join(pattern, '*.zip')}'.`
      )
    }
  }
}

/**
 * Keeps each file's path relative to the files' least common ancestor directory:
 * one file `build/function.zip` lands at `<output-dir>/function.zip`.
 */
export function mapToOutputs(
  files: string[],
  workspace: string,
  outputDir: string,
  platform: NodeJS.Platform = process.platform,
  sizeOf: (file: string) => number = file => statSync(file).size
): ArtifactFile[] {
  const p = pathFor(platform)
  const posix = (value: string) => toPosix(value, platform)
  const ancestor = commonAncestor(
    files.map(file => p.dirname(file)),
    platform
  )
  const seen = new Map<string, string>()
  return files.map(absolutePath => {
    const relativePath = p.relative(ancestor, absolutePath)
    const outputPath = p.join(outputDir, relativePath)
    // Case-insensitive file systems (Windows, macOS runners) would write both files to one path.
    const identity = onDiskForm(outputPath, platform)
    const clash = seen.get(identity)
    if (clash) {
      throw new InputError(
        Input.Path,
        `'${posix(p.relative(workspace, clash))}' and '${posix(p.relative(workspace, absolutePath))}' would both be written to ${posix(p.relative(workspace, outputPath))}; narrow the patterns or sign them in separate steps.`
      )
    }
    seen.set(identity, absolutePath)
    return {
      absolutePath,
      path: posix(p.relative(workspace, absolutePath)),
      relativePath: posix(relativePath),
      outputPath,
      signedPath: posix(p.relative(workspace, outputPath)),
      size: sizeOf(absolutePath)
    }
  })
}

export function commonAncestor(
  directories: string[],
  platform: NodeJS.Platform = process.platform
): string {
  const p = pathFor(platform)
  const [first, ...rest] = directories.map(directory => p.resolve(directory).split(p.sep))
  if (!first) throw new Error('commonAncestor needs at least one directory')
  let length = first.length
  for (const parts of rest) {
    let same = 0
    while (same < Math.min(length, parts.length) && parts[same] === first[same]) same++
    length = same
  }
  // Joined back with a trailing separator, so that 'C:' comes back as the root 'C:\\'.
  return p.resolve(first.slice(0, length).join(p.sep) + p.sep)
}

function keptName(real: string, names: string[]): string {
  return names.includes(real) ? real : ([...names].sort()[0] as string)
}

function sameFile(kept: string, names: string[], workspace: string): void {
  const shown = (name: string) => `'${singleLine(path.relative(workspace, name))}'`
  const others = names.filter(name => name !== kept).sort()
  info(
    `${others.map(shown).join(', ')} ${others.length === 1 ? 'is' : 'are'} the same file as ${shown(kept)} (reached through a symbolic link): signed once, as ${shown(kept)}.`
  )
}
