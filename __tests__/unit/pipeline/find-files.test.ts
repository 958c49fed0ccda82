import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import { InputError } from '../../../src/errors.js'
import { hasControlCharacter, hasInvisibleCharacter } from '../../../src/safe-text.js'
import {
  commonAncestor,
  findArtifactFiles,
  mapToOutputs
} from '../../../src/pipeline/find-files.js'
import { rejectionOf, thrownBy } from '../helpers.js'

let root: string
let workspace: string
let outputDir: string

/** Writes files (workspace-relative) with content of a known length. */
function files(...paths: string[]): string[] {
  return paths.map(relative => {
    const absolute = path.join(workspace, relative)
    mkdirSync(path.dirname(absolute), { recursive: true })
    writeFileSync(absolute, `content of ${relative}`)
    return absolute
  })
}

// @actions/glob logs through @actions/core; keep its ::debug:: lines out of the test output.
beforeAll(() => {
  const write = process.stdout.write.bind(process.stdout)
  jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) =>
      String(chunk).startsWith('::debug::') ? true : write(chunk)
    )
})

afterAll(() => {
  jest.restoreAllMocks()
})

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'files-test-')))
  workspace = path.join(root, 'ws')
  outputDir = path.join(workspace, 'signed')
  mkdirSync(workspace)
})

afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, InputError)

describe('commonAncestor', () => {
  it('is the deepest shared directory', () => {
    expect(commonAncestor(['/a/b/c', '/a/b/d'])).toBe('/a/b')
    expect(commonAncestor(['/a/b/c/d', '/a/b', '/a/b/e'])).toBe('/a/b')
  })

  it('is the directory itself for one directory', () => {
    expect(commonAncestor(['/a/b'])).toBe('/a/b')
  })

  it('compares whole segments, not string prefixes', () => {
    expect(commonAncestor(['/a/b', '/a/bc'])).toBe('/a')
  })

  it('is the root when nothing else is shared', () => {
    expect(commonAncestor(['/a', '/b'])).toBe('/')
  })

  it('resolves relative directories', () => {
    expect(commonAncestor(['x/y', 'x/z'])).toBe(path.resolve('x'))
  })

  it('refuses an empty list', () => {
    expect(() => commonAncestor([])).toThrow('at least one directory')
  })
})

describe('mapToOutputs', () => {
  it('puts one file straight into output-dir', () => {
    const [zip] = files('build/function.zip') as [string]
    expect(mapToOutputs([zip], workspace, outputDir)).toEqual([
      {
        absolutePath: zip,
        path: 'build/function.zip',
        relativePath: 'function.zip',
        outputPath: path.join(outputDir, 'function.zip'),
        signedPath: 'signed/function.zip',
        size: 'content of build/function.zip'.length
      }
    ])
  })

  it('keeps nested files at their path relative to the common ancestor', () => {
    const found = mapToOutputs(
      files('build/linux/app.zip', 'build/mac/arm/app.zip', 'build/readme.zip'),
      workspace,
      outputDir
    )
    expect(found.map(file => [file.relativePath, file.signedPath])).toEqual([
      ['linux/app.zip', 'signed/linux/app.zip'],
      ['mac/arm/app.zip', 'signed/mac/arm/app.zip'],
      ['readme.zip', 'signed/readme.zip']
    ])
    expect(found[1]?.outputPath).toBe(path.join(outputDir, 'mac', 'arm', 'app.zip'))
  })

  it('refuses names that differ only in case on a case-insensitive platform', () => {
    const both = files('build/App.zip', 'build/app.zip')
    for (const platform of ['win32', 'darwin'] as const) {
      const error = thrownBy(() => mapToOutputs(both, workspace, outputDir, platform), InputError)
      expect(error.message).toBe(
        "Input 'path': 'build/App.zip' and 'build/app.zip' would both be written to signed/app.zip; narrow the patterns or sign them in separate steps."
      )
    }
  })

  it('keeps names that differ only in case on Linux', () => {
    const both = files('build/App.zip', 'build/app.zip')
    expect(mapToOutputs(both, workspace, outputDir, 'linux').map(f => f.signedPath)).toEqual([
      'signed/App.zip',
      'signed/app.zip'
    ])
  })
})

describe('findArtifactFiles', () => {
  it('finds the files a glob matches, sorted, and nothing else', async () => {
    files('build/b.zip', 'build/a.zip', 'build/notes.txt', 'other/c.zip')
    const found = await findArtifactFiles(['build/*.zip'], workspace, outputDir)
    expect(found.map(file => file.path)).toEqual(['build/a.zip', 'build/b.zip'])
    expect(found.map(file => file.signedPath)).toEqual(['signed/a.zip', 'signed/b.zip'])
    expect(found[0]?.absolutePath).toBe(path.join(workspace, 'build', 'a.zip'))
  })

  it('anchors patterns at the workspace, not the working directory', async () => {
    files('build/a.zip')
    expect(process.cwd()).not.toBe(workspace)
    const found = await findArtifactFiles(['build/a.zip'], workspace, outputDir)
    expect(found.map(file => file.absolutePath)).toEqual([path.join(workspace, 'build/a.zip')])
  })

  it('matches across directories with **', async () => {
    files('dist/x/one.jar', 'dist/y/z/two.jar', 'dist/y/z/three.zip')
    const found = await findArtifactFiles(['dist/**/*.jar'], workspace, outputDir)
    expect(found.map(file => file.relativePath)).toEqual(['x/one.jar', 'y/z/two.jar'])
  })

  it("leaves out files a '!' pattern excludes", async () => {
    files('build/a.zip', 'build/b.zip', 'build/b-debug.zip')
    const found = await findArtifactFiles(['build/*.zip', '!build/b*.zip'], workspace, outputDir)
    expect(found.map(file => file.path)).toEqual(['build/a.zip'])
  })

  it('lists a file matched by two patterns once', async () => {
    files('build/a.zip', 'build/b.zip')
    const found = await findArtifactFiles(
      ['build/*.zip', 'build/a.zip', '**/a.zip'],
      workspace,
      outputDir
    )
    expect(found.map(file => file.path)).toEqual(['build/a.zip', 'build/b.zip'])
  })

  it('lists a file reached through a symlink inside the workspace once', async () => {
    files('build/a.zip', 'build/b.zip')
    symlinkSync(path.join(workspace, 'build', 'a.zip'), path.join(workspace, 'build', 'c.zip'))
    const found = await findArtifactFiles(['build/*.zip'], workspace, outputDir)
    expect(found).toHaveLength(2)
    expect(found.map(file => file.path)).toContain('build/b.zip')
  })

  it('signs one file under two names once, as its own name, and says so', async () => {
    files('build/b.zip')
    symlinkSync(path.join(workspace, 'build', 'b.zip'), path.join(workspace, 'build', 'a.zip'))
    symlinkSync(path.join(workspace, 'build', 'b.zip'), path.join(workspace, 'build', 'c.zip'))
    const lines: string[] = []
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
      lines.push(String(chunk))
      return true
    })
    try {
      for (const patterns of [
        ['build/b.zip', 'build/a.zip'],
        ['build/a.zip', 'build/b.zip']
      ]) {
        const found = await findArtifactFiles(patterns, workspace, outputDir)
        expect(found.map(file => file.path)).toEqual(['build/b.zip'])
      }
      // Two links to a file that was not matched: the first in order.
      const linked = await findArtifactFiles(['build/a.zip', 'build/c*.zip'], workspace, outputDir)
      expect(linked.map(file => file.path)).toEqual(['build/a.zip'])
    } finally {
      write.mockRestore()
    }
    expect(lines.filter(line => line.includes('the same file'))).toEqual([
      "'build/a.zip' is the same file as 'build/b.zip' (reached through a symbolic link): signed once, as 'build/b.zip'.\n",
      "'build/a.zip' is the same file as 'build/b.zip' (reached through a symbolic link): signed once, as 'build/b.zip'.\n",
      "'build/c.zip' is the same file as 'build/a.zip' (reached through a symbolic link): signed once, as 'build/a.zip'.\n"
    ])
  })

  it('refuses a directory named literally, saying it is a directory', async () => {
    files('build/a.zip')
    for (const pattern of ['build', 'build/']) {
      const error = await rejection(findArtifactFiles([pattern], workspace, outputDir))
      expect(error.input).toBe('path')
      expect(error.message).toContain(`'${pattern}' is a directory`)
      expect(error.message).toContain("'build/*.zip'")
    }
  })

  it('refuses patterns that match nothing, naming them', async () => {
    files('build/a.zip')
    const error = await rejection(
      findArtifactFiles(['nothing/*.zip', 'missing.bin'], workspace, outputDir)
    )
    expect(error.message).toBe(
      `Input 'path': no files matched 'nothing/*.zip', 'missing.bin' in ${workspace}. Patterns are relative to the workspace; check that an earlier step built the files there.`
    )
  })

  it('ignores files already under output-dir', async () => {
    files('build/a.zip', 'signed/a.zip', 'signed/deep/b.zip')
    const found = await findArtifactFiles(['**/*.zip'], workspace, outputDir)
    expect(found.map(file => file.path)).toEqual(['build/a.zip'])
  })

  it('says every match lies inside output-dir when that leaves no file, not that none matched', async () => {
    files('signed/a.zip', 'signed/deep/b.zip')
    symlinkSync(path.join(workspace, 'signed', 'a.zip'), path.join(workspace, 'signed', 'c.zip'))
    const error = await rejection(findArtifactFiles(['**/*.zip'], workspace, outputDir))
    expect(error.input).toBe('output-dir')
    expect(error.message).toBe(
      "Input 'output-dir': every file that '**/*.zip' matched (2 files) lies inside output-dir 'signed', where the signed copies are written; files there are never signed, so that a rerun does not sign its own signed copies. Choose an output-dir apart from the files to sign, such as 'signed', or check that an earlier step built the files outside it."
    )
  })

  it('says so for output-dir set to the folder of the files', async () => {
    files('dist/app.zip')
    const error = await rejection(
      findArtifactFiles(['dist/*.zip'], workspace, path.join(workspace, 'dist'))
    )
    expect(error.message).toContain(
      "every file that 'dist/*.zip' matched (1 file) lies inside output-dir 'dist'"
    )
  })

  it('on macOS and Windows, leaves out files inside output-dir spelled in another case', async () => {
    files('dist/app.zip', 'Signed/old.zip', 'build/lib.zip')
    const upper = path.join(workspace, 'Dist')
    for (const platform of ['darwin', 'win32'] as const) {
      const error = await rejection(findArtifactFiles(['dist/*.zip'], workspace, upper, platform))
      expect(error.message).toContain("every file that 'dist/*.zip' matched (1 file)")
      expect(error.message).toContain("lies inside output-dir 'Dist'")
    }
    const found = await findArtifactFiles(['**/*.zip'], workspace, outputDir, 'darwin')
    expect(found.map(file => file.path)).toEqual(['build/lib.zip', 'dist/app.zip'])
  })

  it('on Linux, signs files of a folder whose name differs from output-dir only in case', async () => {
    files('dist/app.zip')
    const found = await findArtifactFiles(
      ['dist/*.zip'],
      workspace,
      path.join(workspace, 'Dist'),
      'linux'
    )
    expect(found.map(file => file.signedPath)).toEqual(['Dist/app.zip'])
  })

  it('on macOS, leaves out files inside output-dir spelled in another Unicode normal form', async () => {
    files('caf\u00e9/app.zip')
    const decomposed = path.join(workspace, 'cafe\u0301')
    const error = await rejection(
      findArtifactFiles(['caf\u00e9/*.zip'], workspace, decomposed, 'darwin')
    )
    expect(error.message).toContain('every file that')
    const linux = await findArtifactFiles(['caf\u00e9/*.zip'], workspace, decomposed, 'linux')
    expect(linux).toHaveLength(1)
  })

  it('refuses a symlink to a file outside the workspace', async () => {
    const secret = path.join(root, 'outside', 'secret.zip')
    mkdirSync(path.dirname(secret))
    writeFileSync(secret, 'secret')
    files('build/a.zip')
    symlinkSync(secret, path.join(workspace, 'build', 'link.zip'))
    const error = await rejection(findArtifactFiles(['build/*.zip'], workspace, outputDir))
    expect(error.input).toBe('path')
    expect(error.message).toContain(`'build/link.zip' resolves to ${secret}, outside the workspace`)
  })

  it('refuses files reached through a symlinked directory that leaves the workspace', async () => {
    const outside = path.join(root, 'outside')
    mkdirSync(outside)
    writeFileSync(path.join(outside, 'x.zip'), 'x')
    symlinkSync(outside, path.join(workspace, 'vendor'))
    const error = await rejection(findArtifactFiles(['vendor/*.zip'], workspace, outputDir))
    expect(error.message).toContain('outside the workspace')
  })

  it("finds files in a workspace whose own path holds glob characters ('ws[1]')", async () => {
    const bracketed = path.join(root, 'ws[1]')
    mkdirSync(path.join(bracketed, 'build'), { recursive: true })
    writeFileSync(path.join(bracketed, 'build', 'a.zip'), 'a')
    const found = await findArtifactFiles(
      ['build/*.zip'],
      bracketed,
      path.join(bracketed, 'signed')
    )
    expect(found.map(file => file.path)).toEqual(['build/a.zip'])
  })

  it('passes the platform on to the clash check', async () => {
    files('build/App.zip', 'build/app.zip')
    const error = await rejection(
      findArtifactFiles(['build/*.zip'], workspace, outputDir, 'darwin')
    )
    expect(error.message).toContain('would both be written to signed/app.zip')
    const linux = await findArtifactFiles(['build/*.zip'], workspace, outputDir, 'linux')
    expect(linux).toHaveLength(2)
  })

  it.each([
    ['a right-to-left override', 'dist/invoice\u202Epiz.exe', "'dist/invoice\\u202epiz.exe'"],
    ['a zero-width space', 'dist/app\u200B.zip', "'dist/app\\u200b.zip'"],
    ['a byte order mark', 'dist/\uFEFFapp.zip', "'dist/\\ufeffapp.zip'"],
    ['a first-strong isolate', 'dist/a\u2068b.zip', "'dist/a\\u2068b.zip'"],
    ['an invisible tag', 'dist/app\u{E0041}.zip', "'dist/app\\u{e0041}.zip'"]
  ])('refuses a matched file with %s in its name, shown escaped', async (_, name, shown) => {
    files(name, 'dist/app.zip')
    const error = await rejection(findArtifactFiles(['dist/*'], workspace, outputDir))
    expect(error.input).toBe('path')
    expect(error.message).toBe(
      `Input 'path': ${shown} has an invisible formatting character (a direction override, zero-width character or other) in the path, so the log, the summary and release assets would show it as another name. Rename it, or leave it out with a '!' pattern.`
    )
    expect(hasInvisibleCharacter(error.message)).toBe(false)
  })

  it('names every file with an invisible character at once', async () => {
    files('dist/a\u200B.zip', 'dist/b\u200C.zip', 'dist/c.zip')
    const error = await rejection(findArtifactFiles(['dist/*.zip'], workspace, outputDir))
    expect(error.message).toContain("'dist/a\\u200b.zip', 'dist/b\\u200c.zip' have an invisible")
    expect(error.message).toContain('Rename them, or leave them out')
  })

  it.each([
    ['a line feed', 'dist/a\n::warning::forged.zip', "'dist/a\\n::warning::forged.zip'"],
    ['a carriage return', 'dist/a\r::notice::x.zip', "'dist/a\\r::notice::x.zip'"],
    ['a tab', 'dist/a\tb.zip', "'dist/a\\tb.zip'"],
    ['an escape', 'dist/a\u001b[31mred.zip', "'dist/a\\u001b[31mred.zip'"]
  ])('refuses a matched file with %s in its name, shown escaped', async (_, name, shown) => {
    files(name, 'dist/fine.zip')
    const error = await rejection(findArtifactFiles(['dist/*.zip'], workspace, outputDir))
    expect(error.input).toBe('path')
    expect(error.message).toContain(`${shown} has a control character`)
    expect(hasControlCharacter(error.message)).toBe(false)
  })

  it('refuses a FIFO the glob matches, before reading anything', async () => {
    files('dist/a.zip')
    execFileSync('mkfifo', [path.join(workspace, 'dist', 'pipe.zip')])
    const error = await rejection(findArtifactFiles(['dist/*.zip'], workspace, outputDir))
    expect(error.message).toBe(
      "Input 'path': 'dist/pipe.zip' is not a regular file (a FIFO, socket or device); only regular files are signed. Leave it out with a '!' pattern."
    )
  })

  it('refuses a symbolic link inside output-dir that leads out of it', async () => {
    files('build/linux/app.zip', 'build/darwin/app.zip')
    const outside = path.join(root, 'outside')
    mkdirSync(outside)
    mkdirSync(outputDir)
    symlinkSync(outside, path.join(outputDir, 'linux'))
    const error = await rejection(findArtifactFiles(['build/**/*.zip'], workspace, outputDir))
    expect(error.input).toBe('output-dir')
    expect(error.message).toContain(
      `${path.join(outputDir, 'linux')} is a symbolic link to ${outside}, outside the output directory`
    )
    expect(error.message).toContain("the signed 'signed/linux/app.zip' would be written there.")
  })
})

describe('findArtifactFiles keeps signed copies apart from the files to sign, through links', () => {
  const hint =
    'Remove the link, or choose an output-dir that neither is nor leads into a folder of the files to sign.'

  it('refuses an output-dir that is a link to the folder of the files, naming what it would overwrite', async () => {
    files('dist/app.zip', 'dist/lib.zip')
    symlinkSync('dist', path.join(workspace, 'out'))
    const error = await rejection(
      findArtifactFiles(['dist/*.zip'], workspace, path.join(workspace, 'out'))
    )
    expect(error.input).toBe('output-dir')
    expect(error.message).toBe(
      `Input 'output-dir': 'dist/app.zip' lies inside output-dir 'out' once symbolic links are followed ('out' is a symbolic link to 'dist'), so its signed copy 'out/app.zip' would be written over it. ${hint}`
    )
  })

  it('refuses an output-dir under a link into the folder of the files', async () => {
    files('dist/app.zip', 'dist/sub/lib.zip')
    symlinkSync('dist', path.join(workspace, 'out'))
    const error = await rejection(
      findArtifactFiles(['dist/sub/*.zip'], workspace, path.join(workspace, 'out', 'sub'))
    )
    expect(error.message).toContain(
      "'dist/sub/lib.zip' lies inside output-dir 'out/sub' once symbolic links are followed ('out' is a symbolic link to 'dist'), so its signed copy 'out/sub/lib.zip' would be written over it."
    )
  })

  it('refuses files reached through a link into output-dir', async () => {
    files('signed/app.zip')
    symlinkSync('signed', path.join(workspace, 'build'))
    const error = await rejection(findArtifactFiles(['build/*.zip'], workspace, outputDir))
    expect(error.input).toBe('path')
    expect(error.message).toBe(
      `Input 'path': 'build/app.zip' lies inside output-dir 'signed' once symbolic links are followed ('build' is a symbolic link to 'signed'), so its signed copy 'signed/app.zip' would be written over it. ${hint}`
    )
  })

  it('names the link that leads into output-dir, not a harmless link of output-dir itself', async () => {
    files('releases/v1/app.zip')
    symlinkSync('releases', path.join(workspace, 'out'))
    symlinkSync(path.join('releases', 'v1'), path.join(workspace, 'build'))
    const error = await rejection(
      findArtifactFiles(['build/*.zip'], workspace, path.join(workspace, 'out'))
    )
    expect(error.input).toBe('path')
    expect(error.message).toContain(
      "'build/app.zip' lies inside output-dir 'out' once symbolic links are followed ('build' is a symbolic link to 'releases/v1'), so signed copies would be written among the files to sign."
    )
  })

  it('refuses a file that is a link to a signed copy, even where no copy is overwritten', async () => {
    files('build/app.zip', 'signed/old/app.zip')
    symlinkSync(path.join(outputDir, 'old', 'app.zip'), path.join(workspace, 'build', 'latest.zip'))
    const error = await rejection(findArtifactFiles(['build/*.zip'], workspace, outputDir))
    expect(error.message).toBe(
      `Input 'path': 'build/latest.zip' lies inside output-dir 'signed' once symbolic links are followed ('build/latest.zip' is a symbolic link to 'signed/old/app.zip'), so signed copies would be written among the files to sign. ${hint}`
    )
  })

  it('refuses an output-dir that leads to a parent of the files, where copies would sit among them', async () => {
    files('build/linux/app.zip')
    symlinkSync('build', path.join(workspace, 'out'))
    const error = await rejection(
      findArtifactFiles(['build/linux/*.zip'], workspace, path.join(workspace, 'out'))
    )
    expect(error.message).toContain('so signed copies would be written among the files to sign.')
  })

  it('signs into a link that leads to a folder apart from the files', async () => {
    files('build/app.zip')
    mkdirSync(path.join(workspace, 'releases', 'v1'), { recursive: true })
    symlinkSync(path.join('releases', 'v1'), path.join(workspace, 'out'))
    const found = await findArtifactFiles(['build/*.zip'], workspace, path.join(workspace, 'out'))
    expect(found.map(file => file.outputPath)).toEqual([path.join(workspace, 'out', 'app.zip')])
  })

  it('signs into an output-dir inside the folder of the files, which links do not reach', async () => {
    files('dist/app.zip')
    const found = await findArtifactFiles(
      ['dist/*.zip'],
      workspace,
      path.join(workspace, 'dist', 'signed')
    )
    expect(found.map(file => file.signedPath)).toEqual(['dist/signed/app.zip'])
  })

  it('on macOS, compares real paths without case: a link to DIST is a link to dist', async () => {
    files('dist/app.zip')
    // Made on Linux as a real folder: the comparison, not the file system, ignores the case here.
    mkdirSync(path.join(workspace, 'DIST'))
    symlinkSync('DIST', path.join(workspace, 'out'))
    const out = path.join(workspace, 'out')
    const error = await rejection(findArtifactFiles(['dist/*.zip'], workspace, out, 'darwin'))
    expect(error.message).toContain(
      "'dist/app.zip' lies inside output-dir 'out' once symbolic links are followed ('out' is a symbolic link to 'DIST'), so its signed copy 'out/app.zip' would be written over it."
    )
    const linux = await findArtifactFiles(['dist/*.zip'], workspace, out, 'linux')
    expect(linux.map(file => file.signedPath)).toEqual(['out/app.zip'])
  })

  it('names the file to sign that a link below output-dir would overwrite', async () => {
    files('dist/linux/app.zip', 'dist/darwin/app.zip')
    mkdirSync(outputDir)
    symlinkSync(path.join('..', 'dist', 'linux'), path.join(outputDir, 'linux'))
    const error = await rejection(findArtifactFiles(['dist/**/*.zip'], workspace, outputDir))
    expect(error.input).toBe('output-dir')
    expect(error.message).toBe(
      `Input 'output-dir': ${path.join(outputDir, 'linux')} is a symbolic link to ${path.join(workspace, 'dist', 'linux')}, outside the output directory ${outputDir}; the signed 'signed/linux/app.zip' would be written there, over 'dist/linux/app.zip', a file to sign. Remove the link: signed files are written only inside output-dir.`
    )
  })
})
