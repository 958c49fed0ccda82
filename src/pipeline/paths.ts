import { existsSync, lstatSync, realpathSync } from 'node:fs'
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

/** Workspace-relative paths are shown and reported with '/' on every OS. */
export function toPosix(value: string, platform: NodeJS.Platform = process.platform): string {
  return value.split(pathFor(platform).sep).join('/')
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
  let current = root
  for (const part of path.relative(root, directory).split(path.sep)) {
    current = path.join(current, part)
    const link = lstatSync(current, { throwIfNoEntry: false })?.isSymbolicLink()
    if (link && !isInside(realRoot, realpathOfExisting(current))) {
      return { path: current, target: realpathOfExisting(current) }
    }
  }
  return { path: directory, target: realpathOfExisting(directory) }
}
