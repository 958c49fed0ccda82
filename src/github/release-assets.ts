import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { getOctokit } from '@actions/github'
import { ActionError, InputError } from '../errors.js'
import { TransferDeadline } from '../transfer-deadline.js'
import type { ArtifactFile } from '../pipeline/find-files.js'
import { toPosix } from '../pipeline/paths.js'
import type { FileResult } from '../pipeline/sign-one-file.js'
import type { RunContext } from './run-context.js'
import { Input } from './inputs.js'
import * as log from './log.js'

/** An asset is named by the file's path under output-dir, '/' turned into '-'. */
export function releaseAssetName(outputPath: string, outputDir: string): string {
  return toPosix(path.relative(outputDir, outputPath)).replace(/\//g, '-')
}

/**
 * The name GitHub's upload API gives an asset, as far as it is known: it turns each run of other
 * characters than letters, digits, `_` and `-` into one `.` (`a b.zip` and `a~b.zip` both become
 * `a.b.zip`) and drops leading and trailing dots. GitHub does not document the rule (it also
 * transliterates letters outside ASCII), so this serves to find clashes, never to name assets.
 */
export function githubAssetName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '.').replace(/^\.+|\.+$/g, '')
}

/**
 * Two files that would get one asset name, as GitHub names assets, are refused before any
 * request, as is a file that would get the signing record's (`recordAsset`): the second upload
 * would fail after the first was attached.
 */
export function refuseAssetNameClashes(
  files: Array<Pick<ArtifactFile, 'outputPath' | 'signedPath'>>,
  outputDir: string,
  recordAsset?: string
): void {
  const seen = new Map<string, { name: string; signedPath: string }>()
  const record = recordAsset === undefined ? undefined : githubAssetName(recordAsset)
  for (const file of files) {
    const name = releaseAssetName(file.outputPath, outputDir)
    const asGithubNames = githubAssetName(name)
    if (asGithubNames === record) {
      throw new InputError(
        Input.ArtifactName,
        `'${file.signedPath}' would become the release asset '${asGithubNames}', which is the name of the signing record attached beside the files; choose another name.`
      )
    }
    const other = seen.get(asGithubNames)
    if (other !== undefined) {
      const renamed =
        other.name === name ? '' : ` ('${other.name}' and '${name}', as GitHub renames them)`
      throw new InputError(
        Input.ReleaseTag,
        `'${other.signedPath}' and '${file.signedPath}' would both become the release asset '${asGithubNames}'${renamed}; rename one, or attach them in separate steps.`
      )
    }
    seen.set(asGithubNames, { name, signedPath: file.signedPath })
  }
}

export interface ReleaseTarget {
  tag: string
  token: string
  outputDir: string
  workspace: string
  context: RunContext
  /** timeout-seconds: with each asset's size, how long its upload may take. */
  budgetMs: number
}

type Octokit = ReturnType<typeof getOctokit>

/** The fields of GitHub's release and asset objects that are used here. */
interface Release {
  id: number
  draft: boolean
  html_url: string
  upload_url: string
}

interface Asset {
  id: number
  name: string
  browser_download_url: string
}

interface Session {
  octokit: Octokit
  owner: string
  repo: string
  tag: string
  /** 'release v1.2.3 of octo-org/widget', for messages. */
  label: string
  budgetMs: number
}

/** Octokit's own warnings (deprecated endpoints) go to the log like every other line. */
const OCTOKIT_LOG = {
  debug: () => {},
  info: () => {},
  warn: (text: string) => log.warning(text),
  error: (text: string) => log.warning(text)
}

/** GitHub answers an API call within seconds; one that hangs must not hold the step for hours. */
const API_TIMEOUT_MS = 60_000

/** `base` with a time limit, unless the call brings its own signal (uploads do). */
const timed =
  (base: typeof fetch): typeof fetch =>
  (input, init) =>
    base(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(API_TIMEOUT_MS) })

/** A file attached under a name of its own, such as the signing record. */
export interface ExtraAsset {
  file: string
  name: string
}

/**
 * Attaches each signed file to the release as an asset, replacing an asset of the same name as
 * `gh release upload --clobber` does; sets each result's releaseAssetUrl. Then the assets that
 * `extras` makes, which may describe those URLs.
 */
export async function attachToRelease(
  results: FileResult[],
  target: ReleaseTarget,
  extras: () => Promise<ExtraAsset[]> = async () => []
): Promise<void> {
  // Loaded only here: Octokit and its HTTP client would slow the start of every other run.
  // @actions/github points it at GITHUB_API_URL (GitHub Enterprise Server too).
  const { getOctokit } = await import('@actions/github')
  // The toolkit's own fetch, which takes the runner's proxy (HTTPS_PROXY, NO_PROXY) as every
  // toolkit request does: a fetch given to getOctokit replaces it, so it is wrapped instead.
  const { defaults } = await import('@actions/github/lib/utils')
  const toolkitFetch = (defaults.request?.fetch as typeof fetch | undefined) ?? fetch
  const [owner = '', repo = ''] = target.context.repository.split('/')
  const session: Session = {
    octokit: getOctokit(target.token, {
      log: OCTOKIT_LOG,
      request: { fetch: timed(toolkitFetch) }
    }),
    owner,
    repo,
    tag: target.tag,
    label: `release '${target.tag}' of ${target.context.repository}`,
    budgetMs: target.budgetMs
  }
  const release = await findRelease(session)
  const existing = await listAssets(session, release)
  log.info(
    `Found ${session.label}${release.draft ? ' (a draft)' : ''} with ${existing.size} asset(s): ${release.html_url}`
  )
  // One file after another: GitHub asks integrations to avoid concurrent requests.
  for (const result of results) {
    const file = path.join(target.workspace, result.signedPath)
    const name = releaseAssetName(file, target.outputDir)
    const earlier = existing.get(name)
    if (earlier !== undefined) await deleteAsset(session, earlier, name)
    const asset = await uploadAsset(session, release, file, name)
    result.releaseAssetUrl = asset.browser_download_url
    log.info(
      `${result.signedPath} -> ${asset.browser_download_url}${earlier === undefined ? '' : ' (replaced the earlier asset)'}`
    )
    warnIfRenamed(asset, name, result.signedPath)
  }
  for (const extra of await extras()) {
    const earlier = existing.get(extra.name)
    if (earlier !== undefined) await deleteAsset(session, earlier, extra.name)
    const asset = await uploadAsset(session, release, extra.file, extra.name)
    log.info(
      `${extra.name} -> ${asset.browser_download_url}${earlier === undefined ? '' : ' (replaced the earlier asset)'}`
    )
    warnIfRenamed(asset, extra.name, extra.name)
  }
}

function warnIfRenamed(asset: Asset, name: string, source: string): void {
  if (asset.name !== name) {
    log.warning(
      `GitHub renamed the asset '${name}' to '${asset.name}' (it renames names with special characters), so a later run will not find it to replace: rename ${source}.`
    )
  }
}

/**
 * The release with the tag. GET /releases/tags/{tag} serves published releases only; a draft,
 * which matrix legs may fill before it is published, is found by listing the releases (which
 * shows drafts to tokens that may write contents).
 */
async function findRelease(session: Session): Promise<Release> {
  const { octokit, owner, repo, tag } = session
  try {
    return (await octokit.rest.repos.getReleaseByTag({ owner, repo, tag })).data
  } catch (error) {
    if (statusOf(error) !== 404) throw explain(error, `Reading ${session.label}`, 'read')
  }
  const drafts: Release[] = []
  try {
    const pages = octokit.paginate.iterator(octokit.rest.repos.listReleases, {
      owner,
      repo,
      per_page: 100
    })
    for await (const { data } of pages) {
      drafts.push(...data.filter(release => release.draft && release.tag_name === tag))
    }
  } catch (error) {
    if (statusOf(error) !== 404) {
      throw explain(error, `Listing the releases of ${owner}/${repo}`, 'read')
    }
  }
  const [draft, ...others] = drafts
  if (draft && others.length === 0) return draft
  if (draft) {
    throw new ActionError(
      `${drafts.length} draft releases of ${owner}/${repo} have the tag '${tag}', so the files would not all land in one: delete the extra drafts (gh release list), or publish the one to attach to.`
    )
  }
  throw new ActionError(
    `No release of ${owner}/${repo} has the tag '${tag}' (release-tag): create the release first, for example with 'gh release create ${tag}' (or '--draft' for a draft), then attach to it. A draft release is only seen by a token that may write contents ('permissions: contents: write').`
  )
}

/** Asset names and IDs, 'starter' assets of broken uploads included: they are replaced too. */
async function listAssets(session: Session, release: Release): Promise<Map<string, number>> {
  const { octokit, owner, repo } = session
  try {
    const assets = await octokit.paginate(octokit.rest.repos.listReleaseAssets, {
      owner,
      repo,
      release_id: release.id,
      per_page: 100
    })
    return new Map(assets.map(asset => [asset.name, asset.id]))
  } catch (error) {
    throw explain(error, `Listing the assets of ${session.label}`, 'read')
  }
}

async function deleteAsset(session: Session, id: number, name: string): Promise<void> {
  const { octokit, owner, repo } = session
  try {
    await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: id })
  } catch (error) {
    // Gone already: another job replaced or removed it since the list was read.
    if (statusOf(error) === 404) return
    throw explain(error, `Deleting the earlier asset '${name}' of ${session.label}`, 'write')
  }
}

/** Streams the file to the release's upload_url, a URI template that Octokit expands. */
async function uploadAsset(
  session: Session,
  release: Release,
  file: string,
  name: string
): Promise<Asset> {
  const { size } = await stat(file)
  const body = createReadStream(file)
  const deadline = new TransferDeadline(session.budgetMs, size)
  try {
    const { data } = await session.octokit.request<Asset>({
      method: 'POST',
      url: release.upload_url,
      name,
      data: body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': size },
      // Any other redirect mode makes fetch keep a copy of the body for a redirect that may
      // come, that is the whole file in memory; the uploads endpoint does not redirect.
      request: { redirect: 'error', signal: deadline.signal }
    })
    return data
  } catch (error) {
    if (deadline.passed) {
      throw new ActionError(`Uploading '${name}' to ${session.label} ${deadline.describe()}.`)
    }
    if (statusOf(error) === 422 && /already_exists/.test(messageOf(error))) {
      throw new ActionError(
        `Uploading '${name}' to ${session.label} failed (HTTP 422: ${messageOf(error)}): an asset of that name appeared after this step listed the assets (another job attaching a file of the same name?), or GitHub renamed an earlier upload of it so that it was not found to replace.`
      )
    }
    throw explain(error, `Uploading '${name}' to ${session.label}`, 'write')
  } finally {
    body.destroy()
  }
}

/** Octokit's message: GitHub's, with its errors and documentation link; never the token. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

/** GitHub's status and message, with what to do when the token is the problem. */
function explain(error: unknown, doing: string, access: 'read' | 'write'): ActionError {
  const message = messageOf(error)
  // Octokit gives a request that got no answer the status 500 and no response.
  if ((error as { response?: unknown } | null)?.response === undefined) {
    return new ActionError(`${doing} failed: no answer from GitHub (${message}).`)
  }
  const status = statusOf(error)
  if (status === 401) {
    return new ActionError(
      `${doing} was refused (HTTP 401: ${message}): GitHub did not accept the token in 'github-token'; leave it at its default, \${{ github.token }}, or pass a valid token.`
    )
  }
  if (status === 403 && !/rate limit/i.test(message)) {
    return new ActionError(
      `${doing} was refused (HTTP 403: ${message}): the token in 'github-token' may not ${access} this repository's releases. Grant the job 'permissions: contents: write' (for a fine-grained personal access token: Contents, read and write).`
    )
  }
  return new ActionError(`${doing} failed (HTTP ${status}: ${message})`)
}
