import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../../src/errors.js'
import type { RunContext } from '../../../src/github/run-context.js'
import {
  anchor,
  commonAncestor,
  globEscape,
  mapToOutputs
} from '../../../src/pipeline/find-files.js'
import { sourceObjectKey } from '../../../src/pipeline/object-keys.js'
import {
  isInside,
  isInsideOnDisk,
  isSameOnDisk,
  onDiskForm,
  toPosix
} from '../../../src/pipeline/paths.js'
import { thrownBy } from '../helpers.js'

// The path logic as each hosted runner OS runs it, on any machine: the functions take the
// platform whose path rules apply (path.win32 for 'win32', path.posix otherwise).

const CONTEXT: RunContext = {
  repository: 'octo-org/octo-repo',
  runId: '7',
  runAttempt: '1',
  job: 'sign',
  sha: 'abc',
  serverUrl: 'https://github.com'
}

/** Where a Windows runner checks out octo-org/repo. */
const WS = 'D:\\a\\repo\\repo'
const SIZE = 4096
const sizeOf = () => SIZE

describe('object keys', () => {
  it('use / whatever separator the relative path came with', () => {
    for (const relativePath of ['build\\win\\app.zip', 'build/win/app.zip', 'build\\win/app.zip']) {
      expect(sourceObjectKey('unsigned/', CONTEXT, 'f'.repeat(64), relativePath)).toBe(
        `unsigned/octo-org-octo-repo/7-1/sign/${'f'.repeat(16)}/build/win/app.zip`
      )
    }
  })
})

describe('isInside', () => {
  it('on Windows: drive letters and case do not matter, another drive is outside', () => {
    expect(isInside(WS, `${WS}\\build\\app.zip`, 'win32')).toBe(true)
    expect(isInside(WS, 'd:\\A\\REPO\\repo\\build', 'win32')).toBe(true)
    expect(isInside(WS, WS, 'win32')).toBe(true)
    expect(isInside(WS, 'D:\\a\\repo\\other', 'win32')).toBe(false)
    expect(isInside(WS, 'C:\\a\\repo\\repo\\build', 'win32')).toBe(false)
    expect(isInside(WS, `${WS}\\..\\secret.zip`, 'win32')).toBe(false)
    expect(isInside(WS, `${WS}/build/app.zip`, 'win32')).toBe(true)
    expect(isInside(WS, `${WS}\\..repo\\app.zip`, 'win32')).toBe(true)
  })

  it('on Linux and macOS: case matters and backslash is a file name character', () => {
    expect(isInside('/home/runner/work', '/home/runner/work/build/app.zip', 'linux')).toBe(true)
    expect(isInside('/home/runner/work', '/home/runner/Work/build', 'linux')).toBe(false)
    expect(isInside('/home/runner/work', '/home/runner/work/..\\x', 'linux')).toBe(true)
    expect(isInside('/Users/runner/work', '/Users/runner/other', 'darwin')).toBe(false)
  })
})

describe('isInsideOnDisk and isSameOnDisk: one folder however it is spelled', () => {
  it('on Windows: case does not matter', () => {
    expect(isInsideOnDisk(`${WS}\\Dist`, `${WS}\\dist\\app.zip`, 'win32')).toBe(true)
    expect(isSameOnDisk(`${WS}\\DIST\\App.zip`, `${WS}\\dist\\app.zip`, 'win32')).toBe(true)
    expect(isSameOnDisk(`${WS}\\dist/app.zip`, `${WS}\\dist\\app.zip`, 'win32')).toBe(true)
    expect(isInsideOnDisk(`${WS}\\Dist`, `${WS}\\distant\\app.zip`, 'win32')).toBe(false)
  })

  it('on macOS: case and the Unicode normal form do not matter', () => {
    const ws = '/Users/runner/work/repo/repo'
    expect(isInsideOnDisk(`${ws}/Dist`, `${ws}/dist/app.zip`, 'darwin')).toBe(true)
    expect(isSameOnDisk(`${ws}/caf\u00e9.zip`, `${ws}/CAFE\u0301.zip`, 'darwin')).toBe(true)
    expect(isInsideOnDisk(`${ws}/Dist`, `${ws}/dist-old/app.zip`, 'darwin')).toBe(false)
    expect(isInsideOnDisk(`${ws}/dist`, `${ws}/../dist/app.zip`, 'darwin')).toBe(false)
  })

  it('on Linux: each spelling is its own folder', () => {
    const ws = '/home/runner/work/repo/repo'
    expect(isInsideOnDisk(`${ws}/Dist`, `${ws}/dist/app.zip`, 'linux')).toBe(false)
    expect(isSameOnDisk(`${ws}/caf\u00e9.zip`, `${ws}/cafe\u0301.zip`, 'linux')).toBe(false)
    expect(isSameOnDisk(`${ws}/dist/app.zip`, `${ws}/dist/./app.zip`, 'linux')).toBe(true)
  })

  it('leaves the path as it was on Linux, folded elsewhere', () => {
    expect(onDiskForm('/w/Dist', 'linux')).toBe('/w/Dist')
    expect(onDiskForm('/w/Dist', 'darwin')).toBe('/w/dist')
    expect(onDiskForm('D:\\W\\Dist', 'win32')).toBe('d:\\w\\dist')
  })
})

describe('toPosix', () => {
  it('turns \\ into / on Windows only', () => {
    expect(toPosix('build\\win\\app.zip', 'win32')).toBe('build/win/app.zip')
    expect(toPosix('build\\win\\app.zip', 'linux')).toBe('build\\win\\app.zip')
    expect(toPosix('build/linux/app.zip', 'darwin')).toBe('build/linux/app.zip')
  })
})

describe('commonAncestor', () => {
  it('on Windows: the deepest shared folder, a drive root staying a root', () => {
    expect(commonAncestor([`${WS}\\build\\win`, `${WS}\\build\\mac`], 'win32')).toBe(`${WS}\\build`)
    expect(commonAncestor(['C:\\a', 'C:\\b'], 'win32')).toBe('C:\\')
    expect(commonAncestor(['C:\\ab', 'C:\\a'], 'win32')).toBe('C:\\')
    expect(commonAncestor([`${WS}/build/win`], 'win32')).toBe(`${WS}\\build\\win`)
  })

  it('on Linux: / is the last common ancestor', () => {
    expect(commonAncestor(['/a', '/b'], 'linux')).toBe('/')
    expect(commonAncestor(['/a/b/c', '/a/b/d'], 'linux')).toBe('/a/b')
  })
})

describe('mapToOutputs on Windows', () => {
  const outputDir = `${WS}\\signed`

  it('writes beside the common ancestor and reports / paths', () => {
    const files = [`${WS}\\build\\win\\app.zip`, `${WS}\\build\\mac\\app.zip`]
    expect(mapToOutputs(files, WS, outputDir, 'win32', sizeOf)).toEqual([
      {
        absolutePath: files[0],
        path: 'build/win/app.zip',
        relativePath: 'win/app.zip',
        outputPath: `${outputDir}\\win\\app.zip`,
        signedPath: 'signed/win/app.zip',
        size: SIZE
      },
      {
        absolutePath: files[1],
        path: 'build/mac/app.zip',
        relativePath: 'mac/app.zip',
        outputPath: `${outputDir}\\mac\\app.zip`,
        signedPath: 'signed/mac/app.zip',
        size: SIZE
      }
    ])
  })

  it('refuses output paths that differ only in case', () => {
    const files = [`${WS}\\build\\Win\\app.zip`, `${WS}\\build\\win\\app.zip`]
    const error = thrownBy(() => mapToOutputs(files, WS, outputDir, 'win32', sizeOf), InputError)
    expect(error.message).toBe(
      "Input 'path': 'build/Win/app.zip' and 'build/win/app.zip' would both be written to signed/win/app.zip; narrow the patterns or sign them in separate steps."
    )
  })

  it('takes a drive letter in the other case for the same drive', () => {
    const [file] = mapToOutputs(['d:\\a\\repo\\repo\\app.zip'], WS, outputDir, 'win32', sizeOf)
    expect(file).toMatchObject({ path: 'app.zip', signedPath: 'signed/app.zip' })
  })
})

describe('mapToOutputs on Linux', () => {
  it('keeps a backslash as part of a file name', () => {
    const [file] = mapToOutputs(
      ['/home/runner/work/build/a\\b.zip'],
      '/home/runner/work',
      '/home/runner/work/signed',
      'linux',
      sizeOf
    )
    expect(file).toMatchObject({ path: 'build/a\\b.zip', signedPath: 'signed/a\\b.zip' })
  })
})

describe('anchor and globEscape', () => {
  it('on Windows: the workspace is anchored with \\, its [ escaped, \\ kept as a separator', () => {
    expect(anchor('build/*.zip', WS, 'win32')).toBe(`${WS}\\build\\*.zip`)
    expect(anchor('build\\*.zip', 'D:\\a\\ws[1]', 'win32')).toBe('D:\\a\\ws[[]1]\\build\\*.zip')
    expect(anchor('!build\\debug\\*.zip', WS, 'win32')).toBe(`!${WS}\\build\\debug\\*.zip`)
    expect(anchor('C:\\elsewhere\\*.zip', WS, 'win32')).toBe('C:\\elsewhere\\*.zip')
    expect(globEscape('D:\\a\\what?*', 'win32')).toBe('D:\\a\\what[?][*]')
  })

  it('on Linux: a backslash in the workspace is a literal character, escaped', () => {
    expect(anchor('build/*.zip', '/home/w\\s', 'linux')).toBe('/home/w\\\\s/build/*.zip')
    expect(anchor('!build/debug/*.zip', '/ws[1]', 'linux')).toBe('!/ws[[]1]/build/debug/*.zip')
    expect(globEscape('/a/b?*', 'darwin')).toBe('/a/b[?][*]')
  })
})
