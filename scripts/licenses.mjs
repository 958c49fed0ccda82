// Writes the licences of every package in the bundle. ncc's own --license file misses the
// packages of chunks loaded with import() (@actions/artifact's), so the list comes from ncc's
// module stats instead: each bundled module path names its package directory.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const [statsFile, outputFile] = process.argv.slice(2)
const stats = JSON.parse(readFileSync(statsFile, 'utf8'))

const packageDirectories = new Set()
const collect = modules => {
  for (const module of modules ?? []) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(module.name ?? '')
    if (match) packageDirectories.add(path.resolve(match[1]))
    collect(module.modules)
  }
}
collect(stats.modules)

const LICENCE_FILE = /^(licen[cs]e|copying)(\.(md|txt))?$/i
const entries = [...packageDirectories].map(directory => {
  const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8'))
  const licenceFile = readdirSync(directory).find(name => LICENCE_FILE.test(name))
  const text = licenceFile ? readFileSync(path.join(directory, licenceFile), 'utf8').trim() : ''
  const licence =
    typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? 'UNKNOWN')
  return { id: `${manifest.name}@${manifest.version}`, name: manifest.name, licence, text }
})

const unique = new Map(entries.map(entry => [entry.id, entry]))
const sorted = [...unique.values()].sort((a, b) => a.id.localeCompare(b.id))
writeFileSync(
  outputFile,
  sorted.map(entry => `${entry.name}\n${entry.licence}\n${entry.text}\n`).join('\n')
)
console.log(`${outputFile}: ${sorted.length} packages`)
