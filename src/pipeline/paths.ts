import { existsSync, realpathSync } from 'node:fs'
import path from 'node:path'

/** The real path of the deepest existing ancestor, with the rest appended: catches symlinks that leave. */
export function realpathOfExisting(target: string): string {
  let existing = target
  while (!existsSync(existing)) existing = path.dirname(existing)
  return path.join(realpathSync(existing), path.relative(existing, target))
}

export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child)
  const climbs = relative === '..' || relative.startsWith(`..${path.sep}`)
  return relative === '' || (!climbs && !path.isAbsolute(relative))
}

/** Workspace-relative paths are shown and reported with '/' on every OS. */
export function toPosix(value: string): string {
  return value.split(path.sep).join('/')
}
