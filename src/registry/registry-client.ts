/**
 * The OCI distribution API of one registry, one operation a method: resolve a manifest, read
 * one, read and push blobs, put and delete manifests, list referrers. Every answer is checked (status,
 * type, digest, size) before it is believed; every request is bounded and retried as the AWS
 * calls are (bounded-request.ts), and authorized as the registry's 401 asks (registry-auth.ts).
 */
import { createHash } from 'node:crypto'
import { silenceLimitMs } from '../aws/clients.js'
import { errorMessage } from '../errors.js'
import { RequestRate } from '../aws/request-rate.js'
import { IMAGE_MANIFEST_TYPES, MediaType, SHA256_DIGEST, type Descriptor } from './descriptor.js'
import { chosenChallenge } from './auth-challenge.js'
import {
  ERROR_BODY_LIMIT,
  exchange,
  ExchangeError,
  retrying,
  type Answer,
  type Exchange,
  type Method
} from './bounded-request.js'
import type { RegistryCredentials } from './credentials.js'
import { RegistryAuth, type CallBounds } from './registry-auth.js'
import {
  answerError,
  exchangeFailure,
  foreignChallengeError,
  protocolError,
  RegistryError,
  type OperationContext,
  type RegistryAccess
} from './registry-error.js'
import { nextPage } from './link-header.js'
import { checkedUrl, registryOrigin } from './registry-url.js'

export interface RegistryClientOptions {
  /** The registry as written in the reference, for messages. */
  registry: string
  /** host[:port] the API answers on (ImageReference.apiHost). */
  apiHost: string
  credentials: RegistryCredentials
  /** How long one request may keep being retried (timeout-seconds). */
  budgetMs: number
  /** The pace of this registry's requests; one per registry for the whole step. */
  rate?: RequestRate
  /** Attempts for a request that failed in passing (5xx, reset, no answer). */
  maxAttempts?: number
  /** What the step does in the registry: tokens ask for that scope; default: push. */
  access?: RegistryAccess
}

/** Bounds of one call, for work that must end by a time of its own (the referrers update). */
export interface CallOptions {
  /** Date.now() by which the call is abandoned; default: now + budgetMs. */
  deadline?: number
  /** 1: no retry. */
  attempts?: number
  signal?: AbortSignal
  /** The most bytes a manifest read may hold, below MANIFEST_LIMIT (a size a listing gave). */
  maxBytes?: number
}

export interface ManifestRead {
  descriptor: Descriptor
  bytes: Buffer
  /** The ETag the registry sent, for a conditional write (If-Match). */
  etag: string | undefined
}

export interface PushedManifest {
  digest: string
  /** The OCI-Subject header of the answer: the registry indexed the manifest's subject. */
  ociSubject: string | undefined
}

export type DeleteOutcome = 'deleted' | 'absent' | 'unsupported'

export interface ReferrersQuery {
  /** Asks for referrers of this artifactType only; a registry may ignore the filter. */
  artifactType?: string
  /** The most pages read, following `Link: rel="next"`; default 1, the first page only. */
  maxPages?: number
}

export interface ReferrersListing {
  /** The entries of every page read, in the registry's order. */
  manifests: unknown[]
  /** Why pages the registry named were left unread; undefined when the listing was read to its end. */
  cut?: string
}

export const MANIFEST_LIMIT = 4 * 1024 * 1024
const MANIFEST_ACCEPT = IMAGE_MANIFEST_TYPES.join(', ')
const MAX_ATTEMPTS = 5
const REPOSITORY =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** The media type of an answer, without parameters; undefined when absent. */
function contentType(answer: Answer): string | undefined {
  const type = answer.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
  return type || undefined
}

export class RegistryClient {
  readonly registry: string
  private readonly origin: URL
  private readonly auth: RegistryAuth
  private readonly rate: RequestRate
  private readonly silenceMs: number
  /** Blobs pushed or found by this client, by repository and digest: asked for once a step. */
  private readonly blobsPresent = new Map<string, Promise<void>>()
  /** Whether each repository serves the referrers API: asked once a step. */
  private readonly referrersServed = new Map<string, Promise<boolean>>()

  constructor(private readonly options: RegistryClientOptions) {
    this.registry = options.registry
    this.origin = new URL(registryOrigin(options.apiHost))
    this.rate = options.rate ?? new RequestRate()
    this.silenceMs = silenceLimitMs(options.budgetMs)
    this.auth = new RegistryAuth({
      registry: options.registry,
      origin: this.origin,
      credentials: options.credentials,
      silenceMs: this.silenceMs,
      budgetMs: options.budgetMs,
      maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
      rate: this.rate,
      access: options.access
    })
  }

  /**
   * The descriptor of the manifest a tag or digest names, with one HEAD. A registry that leaves
   * out the digest or the size (ECR at times) is asked with a GET, and the digest computed.
   */
  async resolve(repository: string, reference: string): Promise<Descriptor> {
    const context = this.context(repository, `resolving ${reference}`)
    const byDigest = reference.startsWith('sha256:')
    const answer = await this.send(
      context,
      'HEAD',
      this.manifestUrl(repository, reference),
      [200],
      {
        headers: { accept: MANIFEST_ACCEPT }
      }
    )
    const mediaType = contentType(answer)
    const digest = answer.headers.get('docker-content-digest')?.trim()
    const size = Number(answer.headers.get('content-length') ?? NaN)
    if (!mediaType || !digest || !Number.isSafeInteger(size) || size < 0) {
      return (await this.getManifest(repository, reference)).descriptor
    }
    checkImageType(context, mediaType)
    if (!SHA256_DIGEST.test(digest)) {
      throw protocolError(
        context,
        `the registry named the digest '${digest.slice(0, 80)}', not a sha256 digest`
      )
    }
    if (byDigest && digest !== reference) {
      throw protocolError(context, `the registry answered for another digest (${digest}); refused`)
    }
    return { mediaType, digest, size }
  }

  /** A manifest by digest (or tag), at most 4 MiB, its digest checked against its bytes. */
  async getManifest(
    repository: string,
    reference: string,
    call: CallOptions = {}
  ): Promise<ManifestRead> {
    return (await this.manifest(repository, reference, call, [200])) as ManifestRead
  }

  /** A manifest by tag or digest; undefined when the registry has none (404). */
  async readManifest(
    repository: string,
    reference: string,
    call: CallOptions = {}
  ): Promise<ManifestRead | undefined> {
    return this.manifest(repository, reference, call, [200, 404])
  }

  private async manifest(
    repository: string,
    reference: string,
    call: CallOptions,
    expected: number[]
  ): Promise<ManifestRead | undefined> {
    const context = this.context(repository, `reading the manifest ${reference}`)
    const answer = await this.send(
      context,
      'GET',
      this.manifestUrl(repository, reference),
      expected,
      {
        headers: { accept: MANIFEST_ACCEPT },
        bodyLimit: Math.min(MANIFEST_LIMIT, call.maxBytes ?? MANIFEST_LIMIT),
        ...call
      }
    )
    if (answer.status === 404) return undefined
    const bytes = answer.body
    const digest = sha256Digest(bytes)
    const named = answer.headers.get('docker-content-digest')?.trim()
    if ((reference.startsWith('sha256:') && digest !== reference) || (named && named !== digest)) {
      throw protocolError(
        context,
        `the manifest's bytes have the digest ${digest}, not the one asked for or named by the registry; refused`
      )
    }
    const mediaType = manifestType(context, contentType(answer), bytes)
    return {
      descriptor: { mediaType, digest, size: bytes.length },
      bytes,
      etag: answer.headers.get('etag') ?? undefined
    }
  }

  /**
   * Pushes a blob unless the registry has it: HEAD, then POST and a monolithic PUT with
   * `?digest=`. The pair is retried as one, since a failed PUT may have used up its session.
   * A blob this client pushed or found once (the empty config every signature shares) is not
   * asked for again, and bytes made just now (`fresh`: an envelope) skip the HEAD.
   */
  async pushBlob(
    repository: string,
    bytes: Uint8Array,
    mediaType: string,
    options: { fresh?: boolean } = {}
  ): Promise<Descriptor> {
    const digest = sha256Digest(bytes)
    const key = `${repository}@${digest}`
    let pushed = this.blobsPresent.get(key)
    if (!pushed) {
      pushed = this.pushBlobOnce(repository, bytes, digest, options.fresh ?? false)
      this.blobsPresent.set(key, pushed)
      // A failed push is not remembered: the next image's push of the same blob tries again.
      pushed.catch(() => this.blobsPresent.delete(key))
    }
    await pushed
    return { mediaType, digest, size: bytes.length }
  }

  private async pushBlobOnce(
    repository: string,
    bytes: Uint8Array,
    digest: string,
    fresh: boolean
  ): Promise<void> {
    const context = this.context(repository, `pushing the blob ${digest}`)
    if (!fresh) {
      const blobUrl = new URL(`/v2/${repository}/blobs/${digest}`, this.origin)
      const present = await this.send(context, 'HEAD', blobUrl, [200, 404])
      if (present.status === 200) return
    }
    const deadline = this.deadline({})
    await retrying(this.policy(deadline, MAX_ATTEMPTS), async () => {
      const once = { attempts: 1, deadline }
      const started = await this.send(
        context,
        'POST',
        new URL(`/v2/${repository}/blobs/uploads/`, this.origin),
        [202],
        once
      )
      const location = checkedUrl(
        started.headers.get('location') ?? '',
        started.url,
        'the blob upload'
      )
      location.searchParams.set('digest', digest)
      const done = await this.send(context, 'PUT', location, [201], {
        ...once,
        body: bytes,
        headers: { 'content-type': 'application/octet-stream' }
      })
      const named = done.headers.get('docker-content-digest')?.trim()
      if (named && named !== digest) {
        throw protocolError(context, `the registry stored the blob as ${named}; refused`)
      }
    })
  }

  /** Puts a manifest under a tag or its own digest; the registry's digest is checked. */
  async putManifest(
    repository: string,
    reference: string,
    mediaType: string,
    bytes: Uint8Array,
    call: CallOptions & { ifMatch?: string } = {}
  ): Promise<PushedManifest> {
    const digest = sha256Digest(bytes)
    const context = this.context(
      repository,
      `pushing the manifest ${digest}${reference === digest ? '' : ` as ${reference}`}`
    )
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw protocolError(context, `the reference ${reference} is not the manifest's digest`)
    }
    const headers: Record<string, string> = { 'content-type': mediaType }
    if (call.ifMatch) headers['if-match'] = call.ifMatch
    const answer = await this.send(
      context,
      'PUT',
      this.manifestUrl(repository, reference),
      [200, 201],
      {
        ...call,
        headers,
        body: bytes
      }
    )
    const named = answer.headers.get('docker-content-digest')?.trim()
    if (named && named !== digest) {
      throw protocolError(context, `the registry stored the manifest as ${named}; refused`)
    }
    return { digest, ociSubject: answer.headers.get('oci-subject')?.trim() || undefined }
  }

  /** Deletes a manifest by digest. Registries also drop every tag that pointed to it. */
  async deleteManifest(
    repository: string,
    digest: string,
    call: CallOptions = {}
  ): Promise<DeleteOutcome> {
    const context = this.context(repository, `deleting the manifest ${digest}`)
    if (!SHA256_DIGEST.test(digest)) throw protocolError(context, 'only a digest may be deleted')
    const answer = await this.send(
      context,
      'DELETE',
      this.manifestUrl(repository, digest),
      [200, 202, 204, 404, 405],
      call
    )
    return answer.status === 404 ? 'absent' : answer.status === 405 ? 'unsupported' : 'deleted'
  }

  /**
   * A blob that a manifest names, read only up to the size its descriptor gives (and at most
   * `limit`), its digest checked against its bytes. Registries often redirect a blob to storage
   * elsewhere: followed as `exchange` allows.
   */
  async getBlob(
    repository: string,
    descriptor: Descriptor,
    limit: number,
    call: CallOptions = {}
  ): Promise<Buffer> {
    const context = this.context(repository, `reading the blob ${descriptor.digest}`)
    if (!SHA256_DIGEST.test(descriptor.digest)) throw protocolError(context, 'not a sha256 digest')
    if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0 || descriptor.size > limit) {
      throw protocolError(context, `its size (${descriptor.size}) is not from 0 to ${limit} bytes`)
    }
    const url = new URL(`/v2/${repository}/blobs/${descriptor.digest}`, this.origin)
    const answer = await this.send(context, 'GET', url, [200], {
      bodyLimit: descriptor.size,
      ...call
    })
    if (answer.body.length !== descriptor.size || sha256Digest(answer.body) !== descriptor.digest) {
      throw protocolError(
        context,
        `the registry sent ${answer.body.length} bytes with the digest ${sha256Digest(answer.body)}, not the blob asked for; refused`
      )
    }
    return answer.body
  }

  /**
   * The referrers API's list for `digest`, page after page as its `Link: rel="next"` headers
   * chain them (link-header.ts says which may be followed), up to `maxPages`, within one
   * deadline. Undefined when the registry does not serve the API: a first page that is a 404 or
   * not an image index (the distribution spec's test).
   */
  async listReferrers(
    repository: string,
    digest: string,
    call: CallOptions & ReferrersQuery = {}
  ): Promise<ReferrersListing | undefined> {
    const { artifactType, maxPages = 1, ...bounds } = call
    const context = this.context(repository, `listing the referrers of ${digest}`)
    const listing = new URL(`/v2/${repository}/referrers/${digest}`, this.origin)
    let url = new URL(listing)
    if (artifactType) url.searchParams.set('artifactType', artifactType)
    const paging = { ...bounds, deadline: this.deadline(bounds) }
    let manifests: unknown[] = []
    for (let page = 1; ; page++) {
      let read
      try {
        read = await this.referrersPage(context, url, paging)
      } catch (error) {
        // A later page's failure leaves what the pages before it listed: the cut says so. A
        // cancelled step stops all the same.
        if (page === 1 || paging.signal?.aborted) throw error
        return { manifests, cut: `page ${page} could not be read: ${errorMessage(error)}` }
      }
      if (read === undefined) {
        return page === 1
          ? undefined
          : { manifests, cut: `page ${page} was not answered with an OCI image index` }
      }
      // Not push(...): a page of a million tiny entries would overflow the call stack.
      manifests = manifests.concat(read.manifests)
      const next = nextPage(read.link, read.url, listing)
      if (next === undefined) return { manifests }
      if ('refused' in next) return { manifests, cut: `page ${page} ${next.refused}: not followed` }
      if (page >= maxPages) {
        return {
          manifests,
          cut: `the registry has more than ${maxPages} page${maxPages === 1 ? '' : 's'}: the rest were not read`
        }
      }
      url = next.url
    }
  }

  /** One page of a referrers listing; undefined when it is a 404 or not an image index. */
  private async referrersPage(
    context: OperationContext,
    url: URL,
    call: CallOptions
  ): Promise<{ manifests: unknown[]; link: string | null; url: URL } | undefined> {
    const answer = await this.send(context, 'GET', url, [200, 404], {
      headers: { accept: MediaType.ociIndex },
      bodyLimit: MANIFEST_LIMIT,
      ...call
    })
    if (answer.status === 404 || contentType(answer) !== MediaType.ociIndex) return undefined
    let manifests: unknown
    try {
      manifests = (JSON.parse(answer.body.toString('utf8')) as { manifests?: unknown }).manifests
    } catch {
      return undefined
    }
    if (!Array.isArray(manifests)) return undefined
    return { manifests, link: answer.headers.get('link'), url: answer.url }
  }

  /**
   * Whether the registry serves the referrers API in `repository`, asked once a client with the
   * referrers of `digest` (the first image's): the answer is the registry's, the same for every
   * image, and oras-go keeps it per repository too. A failure is not kept. Its first page says
   * so: no filter, no further page.
   */
  servesReferrers(repository: string, digest: string, call: CallOptions = {}): Promise<boolean> {
    let served = this.referrersServed.get(repository)
    if (!served) {
      served = this.listReferrers(repository, digest, call).then(listed => listed !== undefined)
      this.referrersServed.set(repository, served)
      served.catch(() => this.referrersServed.delete(repository))
    }
    return served
  }

  private context(repository: string, operation: string): OperationContext {
    if (!REPOSITORY.test(repository)) {
      throw new RegistryError(`Not a repository name: '${repository.slice(0, 100)}'.`, 'final')
    }
    return { registry: this.registry, repository, operation, access: this.options.access }
  }

  private manifestUrl(repository: string, reference: string): URL {
    if (!SHA256_DIGEST.test(reference) && !TAG.test(reference)) {
      throw new RegistryError(`Not a tag or digest: '${reference.slice(0, 100)}'.`, 'final')
    }
    return new URL(`/v2/${repository}/manifests/${reference}`, this.origin)
  }

  private deadline(call: CallOptions): number {
    return call.deadline ?? Date.now() + this.options.budgetMs
  }

  private policy(deadline: number, maxAttempts: number) {
    return { maxAttempts, deadline, rate: this.rate }
  }

  /**
   * One request, retried as its failures allow, answered with one of `expected` statuses; any
   * other status ends as a RegistryError that names the operation and says what to do.
   */
  private async send(
    context: OperationContext,
    method: Method,
    url: URL,
    expected: number[],
    options: CallOptions & {
      headers?: Record<string, string>
      body?: Uint8Array
      bodyLimit?: number
    } = {}
  ): Promise<Answer> {
    const deadline = this.deadline(options)
    const bounds: CallBounds = {
      deadline,
      signal: options.signal,
      policy: this.policy(deadline, options.attempts ?? this.options.maxAttempts ?? MAX_ATTEMPTS)
    }
    const request: Exchange = {
      method,
      url,
      headers: options.headers ?? {},
      body: options.body,
      // A body nobody reads (Quay acknowledges a manifest PUT with `201 OK`) may be as long as
      // an error's; a longer one is refused.
      bodyLimit: options.bodyLimit ?? ERROR_BODY_LIMIT
    }
    return retrying(bounds.policy, async () => {
      const answer = await this.authorized(context, request, bounds)
      if (expected.includes(answer.status)) return answer
      const challenge =
        answer.status === 401 ? chosenChallenge(answer.headers.get('www-authenticate')) : undefined
      throw answerError(
        context,
        answer.status,
        answer.body,
        this.options.credentials,
        challenge?.params.error
      )
    })
  }

  /** Sends with the Authorization known for the repository; after a 401, once more as asked. */
  private async authorized(
    context: OperationContext,
    request: Exchange,
    bounds: CallBounds
  ): Promise<Answer> {
    const answer = await this.once(context, request, this.auth.header(context.repository), bounds)
    if (answer.status !== 401) return answer
    // A challenge from elsewhere (a redirect's storage host, an upload location) would have the
    // credentials sent to a token service of its choosing, or turn the registry to Basic.
    if (answer.url.origin !== this.origin.origin) throw foreignChallengeError(context, answer.url)
    const challenge = answer.headers.get('www-authenticate')
    if (!(await this.auth.answer(context, challenge, answer.sentAuthorization, bounds))) {
      return answer
    }
    return this.once(context, request, this.auth.header(context.repository), bounds)
  }

  private async once(
    context: OperationContext,
    request: Exchange,
    authorization: string | undefined,
    bounds: CallBounds
  ): Promise<Answer> {
    // Credentials stay with the registry's origin, wherever an upload location points.
    const headers =
      authorization && request.url.origin === this.origin.origin
        ? { ...request.headers, authorization }
        : request.headers
    try {
      return await exchange(
        { ...request, headers },
        { silenceMs: this.silenceMs, deadline: bounds.deadline, signal: bounds.signal }
      )
    } catch (error) {
      if (error instanceof ExchangeError) throw exchangeFailure(context, error)
      throw error
    }
  }
}

function checkImageType(context: OperationContext, mediaType: string): void {
  if (!IMAGE_MANIFEST_TYPES.includes(mediaType)) {
    throw protocolError(
      context,
      `the manifest's type is '${mediaType.slice(0, 100)}', not an image or an image index (OCI, or Docker schema 2)`
    )
  }
}

/** The type of a manifest: the Content-Type, which a `mediaType` field in it must agree with. */
function manifestType(
  context: OperationContext,
  header: string | undefined,
  bytes: Buffer
): string {
  let field: unknown
  try {
    field = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType
  } catch {
    throw protocolError(context, 'the manifest is not JSON')
  }
  const type = header ?? (typeof field === 'string' ? field : undefined)
  if (!type) throw protocolError(context, 'the registry named no type for the manifest')
  if (typeof field === 'string' && field !== type) {
    throw protocolError(
      context,
      `the manifest says it is '${field.slice(0, 100)}' but was served as '${type.slice(0, 100)}'`
    )
  }
  checkImageType(context, type)
  return type
}
