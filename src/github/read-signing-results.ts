import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import * as glob from '@actions/glob'
import { InputError } from '../errors.js'
import { anchor } from '../pipeline/find-files.js'
import { singleLine } from '../safe-text.js'
import { Input } from './input-names.js'
import { jobsOfSigningResults, type RecordedJob } from './signing-record.js'

/** A record is a few hundred bytes a file; anything this large is not one. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024

/**
 * The jobs that the `signing-results` files name: each line a path or a glob pattern, relative
 * to the workspace (or absolute: a results-file lies under RUNNER_TEMP). A pattern that matches
 * no file, and a file that is no record, are refused with the file named.
 */
export function readSigningResults(patterns: string[], workspace: string): Promise<RecordedJob[]> {
  return readSigningResultsFiles(patterns, workspace, jobsOfSigningResults)
}

/**
 * What `read` makes of each `signing-results` file, in order. `read` gets the text and the
 * file's name for messages, and throws a plain Error that says what is wrong with the text.
 */
export async function readSigningResultsFiles<T>(
  patterns: string[],
  workspace: string,
  read: (text: string, shown: string) => T[]
): Promise<T[]> {
  const all: T[] = []
  for (const pattern of patterns) {
    const files = await matching(pattern, workspace)
    if (files.length === 0) {
      throw new InputError(
        Input.SigningResults,
        `'${pattern}' matches no file (relative paths start at the workspace, ${workspace}).`
      )
    }
    for (const file of files) all.push(...(await readFileOf(file, workspace, read)))
  }
  return all
}

async function matching(pattern: string, workspace: string): Promise<string[]> {
  const globber = await glob.create(anchor(pattern, workspace), {
    matchDirectories: false,
    implicitDescendants: false
  })
  return (await globber.glob()).sort()
}

async function readFileOf<T>(
  file: string,
  workspace: string,
  read: (text: string, shown: string) => T[]
): Promise<T[]> {
  const shown = singleLine(
    path.relative(workspace, file).startsWith('..') ? file : path.relative(workspace, file)
  )
  const { size } = await stat(file)
  if (size > MAX_RECORD_BYTES) {
    throw new InputError(
      Input.SigningResults,
      `'${shown}' (${size} bytes) is too large for a record.`
    )
  }
  try {
    return read(await readFile(file, 'utf8'), shown)
  } catch (error) {
    throw new InputError(
      Input.SigningResults,
      `'${shown}' ${error instanceof Error ? error.message : String(error)}: give the <artifact-name>.signing.json that a signing step wrote, or its results-file.`
    )
  }
}
