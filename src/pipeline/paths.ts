import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'

/** The real path of the deepest existing ancestor, with the rest appended: catches symlinks that leave. */
export function realpathOfExisting(target: string): string {
  let existing = target
  while (!existsSync(existing)) existing = path.dirname(existing)
  return path.join(realpathSync(existing), path.relative(existing, target))
}

/** The path rules of a runner OS: Windows runners use path.win32, the others path.posix. */
export function pathFor(platform: NodeJS.Platform = process.platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix
}

export function isInside(
  parent: string,
  child: string,
  platform: NodeJS.Platform = process.platform
): boolean {
  const p = pathFor(platform)
  const relative = p.relative(parent, child)
  const climbs = relative === '..' || relative.startsWith(`..${p.sep}`)
  return relative === '' || (!climbs && !p.isAbsolute(relative))
}

/**
 * A path as the runner's file system tells names apart. Windows and macOS runners ignore case
 * (`Dist` is `dist`), and macOS also the Unicode normalization form (`é` as one or two code
 * points), so there two spellings of one folder compare equal.
 */
export function onDiskForm(value: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return value.toLowerCase()
  if (platform === 'darwin') return value.toLowerCase().normalize('NFC')
  return value
}

/** isInside as the file system sees it: `dist/app.zip` is inside `Dist` on Windows and macOS. */
export function isInsideOnDisk(
  parent: string,
  child: string,
  platform: NodeJS.Platform = process.platform
): boolean {
  return isInside(onDiskForm(parent, platform), onDiskForm(child, platform), platform)
}

/** Whether two paths name one entry on the runner's file system. */
export function isSameOnDisk(
  one: string,
  other: string,
  platform: NodeJS.Platform = process.platform
): boolean {
  const p = pathFor(platform)
  return onDiskForm(p.resolve(one), platform) === onDiskForm(p.resolve(other), platform)
}

/** Workspace-relative paths are shown and reported with '/' on every OS. */
export function toPosix(value: string, platform: NodeJS.Platform = process.platform): string {
  return value.split(pathFor(platform).sep).join('/')
}

/** Each symbolic link on the way from `root` down to `target` (which may not exist yet), nearest first. */
function* linksBetween(root: string, target: string): Generator<string> {
  let current = root
  for (const part of path.relative(root, target).split(path.sep).filter(Boolean)) {
    current = path.join(current, part)
    const stats = lstatSync(current, { throwIfNoEntry: false })
    if (!stats) return
    if (stats.isSymbolicLink()) yield current
  }
}

/** The first symbolic link on the way from `root` down to `target`, and where it leads. */
export function firstLink(
  root: string,
  target: string
): { path: string; target: string } | undefined {
  for (const link of linksBetween(root, target)) {
    return { path: link, target: realpathOfExisting(link) }
  }
  return undefined
}

/**
 * The first symbolic link on the way from `root` down to `directory` (which may not exist yet)
 * that leads out of `root`, if any: a link planted inside output-dir, say by the files of a pull
 * request, must not carry a signed file elsewhere.
 */
export function linkLeaving(
  directory: string,
  root: string
): { path: string; target: string } | undefined {
  const realRoot = realpathOfExisting(root)
  if (isInside(realRoot, realpathOfExisting(directory))) return undefined
  for (const link of linksBetween(root, directory)) {
    if (!isInside(realRoot, realpathOfExisting(link))) {
      return { path: link, target: realpathOfExisting(link) }
    }
  }
  return { path: directory, target: realpathOfExisting(directory) }
}

/**
 * Why `directory` (under `root`, which exists) could not be made or written into: a part of the
 * way that exists but is a file, or a symbolic link to nothing. Undefined when every existing part
 * is a directory (the rest is made when the first file is written).
 */
export function directoryProblem(directory: string, root: string): string | undefined {
  let current = root
  for (const part of path.relative(root, directory).split(path.sep).filter(Boolean)) {
    current = path.join(current, part)
    let link: boolean
    try {
      link = lstatSync(current).isSymbolicLink()
    } catch {
      return undefined
    }
    let stats
    try {
      stats = statSync(current)
    } catch {
      return link ? `${current} is a symbolic link to nothing` : undefined
    }
    if (!stats.isDirectory()) return `${current} is a file, not a directory`
  }
  return undefined
}
