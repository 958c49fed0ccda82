/**
 * Makes a pushed signature findable from its image: by the registry's referrers API when it has
 * one, else in the referrers tag (`sha256-<hex>`), kept so that every leg signing the same image
 * at the same moment ends up listed.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { onCancel } from '../cancellation.js'
import { ActionError } from '../errors.js'
import { retryDelayMs, throttledDelayMs } from '../aws/backoff.js'
import { failureKind } from './bounded-request.js'
import { MediaType, SHA256_DIGEST, type Descriptor } from './descriptor.js'
import {
  entryDigest,
  entryOf,
  parseReferrersIndex,
  referrersTag,
  serializeReferrersIndex,
  type IndexEntry
} from './referrers-index.js'
import { RegistryError } from './registry-error.js'
import type { ManifestRead, RegistryClient } from './registry-client.js'

export type ReferrerListing = 'api' | 'tag'

export interface ReferrersTagTiming {
  /** A round's read and its write must both be done within this, or the write is abandoned. */
  windowMs: number
  /** Time for a write that was cut off at the window's end to land all the same. */
  landingMarginMs: number
  /** Rounds (read, then write or not) before giving up. */
  maxRounds: number
}

export const REFERRERS_TAG_TIMING: ReferrersTagTiming = {
  windowMs: 8000,
  landingMarginMs: 2000,
  maxRounds: 8
}

export interface AddReferrerOptions {
  /** The OCI-Subject header that answered the signature manifest's PUT, if any. */
  ociSubject: string | undefined
  timing?: ReferrersTagTiming
  /** Stops the update as the step's cancellation does. */
  signal?: AbortSignal
  /** Date.now() after which no new round starts. */
  deadline?: number
}

/** How many rounds in a row may fail in passing (5xx, reset, no answer) before giving up. */
const MAX_FAILURES = 5

/**
 * Lists `signature` (its descriptor with artifactType and annotations, as referrerDescriptor
 * makes it) among the referrers of `subject`.
 *
 * A registry that answered the PUT with OCI-Subject indexes the signature itself; the referrers
 * API is still asked once (a step, for the repository) before believing it, as sigstore-js does
 * since ECR once sent the header without serving the API, and the spec has the client check the
 * API before relying on it.
 */
export async function addReferrer(
  client: RegistryClient,
  repository: string,
  subject: Descriptor,
  signature: Descriptor,
  options: AddReferrerOptions
): Promise<ReferrerListing> {
  if (
    options.ociSubject === subject.digest &&
    (await client.servesReferrers(repository, subject.digest, { signal: options.signal }))
  ) {
    return 'api'
  }
  await new ReferrersTagUpdate(client, repository, subject, signature, options).run()
  return 'tag'
}

/*
 * Why every leg ends up listed, on a registry that ignores If-Match (distribution 2.8 does).
 * A write replaces the index with what its writer read plus what it adds, so a write built on a
 * read taken before another leg's write drops that leg's entries. Three rules close that gap:
 *   1. Every write (or delete) lands within S = windowMs + landingMarginMs of the start of the
 *      read it is built on: both are abandoned at windowMs, none is sent after it (a request
 *      past its deadline is refused, and a token is waited for only until then), and a request
 *      cut off then is taken to land within landingMarginMs or never.
 *   2. A leg writes everything it has seen (in any read) with its own entry.
 *   3. A leg ends only on a read, taken at least S after its last write or delete, that lists
 *      all it has seen; otherwise it writes again and waits again.
 * Let f be the last such closing read among the legs that have seen an entry E, and W the first
 * write after f that drops E. W was built on a read R without E; R came after f − S by rule 1, and
 * before f (a read after f sees E, and W's write would keep it). So some leg Z that had seen E wrote
 * it back between R and f, and by rule 3 Z's closing read came after R + S, later than W landed
 * and later than f: against the choice of f. A delete that takes the tag away is a write of
 * nothing by a leg that has seen what it deletes, and ends the same way.
 * Cancellation only stops a leg: it starts no write or delete afterwards, and a write it cut off is
 * one more write under rule 1. Not covered: a leg cancelled between a repair and its closing read
 * (its repair may hide another loss until a later signing), and writers that follow other rules.
 */
class ReferrersTagUpdate {
  private readonly tag: string
  private readonly timing: ReferrersTagTiming
  private readonly stop = new AbortController()
  /** Every entry seen in the index, and our own: all of them go into every write. */
  private readonly seen = new Map<string, IndexEntry>()
  /** Manifests the registry said it no longer has: left out of what we write. */
  private readonly deleted = new Set<string>()
  /** When our last write or delete ended (or, cut off, may have landed): the settle starts there. */
  private lastChangeAt: number | undefined
  private failures = 0

  constructor(
    private readonly client: RegistryClient,
    private readonly repository: string,
    subject: Descriptor,
    private readonly signature: Descriptor,
    private readonly options: AddReferrerOptions
  ) {
    this.tag = referrersTag(subject.digest)
    this.timing = options.timing ?? REFERRERS_TAG_TIMING
    this.seen.set(signature.digest, entryOf(signature))
  }

  async run(): Promise<void> {
    const halt = () => this.stop.abort()
    this.options.signal?.addEventListener('abort', halt, { once: true })
    if (this.options.signal?.aborted) halt()
    // On the runner's cancellation the only safe undo is to stop: no write after it.
    const forget = onCancel(halt)
    try {
      for (let round = 1; round <= this.timing.maxRounds; round++) {
        if (await this.round()) return
      }
      throw new ActionError(
        `${this.where()}: the signature ${this.signature.digest} was not listed in the referrers tag ${this.tag} after ${this.timing.maxRounds} rounds of writing and checking; other writers kept replacing the tag. Sign again later, or use a registry with the referrers API.`
      )
    } finally {
      forget()
      this.options.signal?.removeEventListener('abort', halt)
    }
  }

  /** One round: wait out the settle, read, and write what is missing. True when nothing is. */
  private async round(): Promise<boolean> {
    if (this.lastChangeAt !== undefined) {
      await this.pause(
        this.lastChangeAt + this.timing.windowMs + this.timing.landingMarginMs - Date.now()
      )
    }
    this.checkGoing()
    const windowEnd = Date.now() + this.timing.windowMs
    const call = { deadline: windowEnd, attempts: 1, signal: this.stop.signal }
    let current: ManifestRead | undefined
    try {
      current = await this.client.readManifest(this.repository, this.tag, call)
    } catch (error) {
      await this.afterFailure(error, windowEnd)
      return false
    }
    this.failures = 0
    const entries = (current ? this.entriesOf(current) : []).filter(
      entry => !this.deleted.has(entryDigest(entry) ?? '')
    )
    for (const entry of entries) {
      const digest = entryDigest(entry)
      if (digest !== undefined && !this.seen.has(digest)) this.seen.set(digest, entry)
    }
    const listed = new Set(entries.map(entryDigest))
    const missing = [...this.seen.entries()].filter(([digest]) => !listed.has(digest))
    if (missing.length === 0) return true

    this.checkGoing()
    const index = serializeReferrersIndex([...entries, ...missing.map(([, entry]) => entry)])
    let written: string
    try {
      written = (
        await this.client.putManifest(this.repository, this.tag, MediaType.ociIndex, index, {
          ...call,
          ifMatch: current?.etag
        })
      ).digest
    } catch (error) {
      const status = error instanceof RegistryError ? error.status : undefined
      if (status === undefined || status >= 500) {
        // Cut off, or failed in the registry: it may land all the same.
        this.lastChangeAt = Date.now() + this.timing.landingMarginMs
      } else if (status === 412 || this.forgetDeletedManifest(error)) {
        // Refused, so nothing was written (412: the registry kept its If-Match): read again.
        return false
      }
      await this.afterFailure(error, windowEnd)
      return false
    }
    this.lastChangeAt = Date.now()
    this.failures = 0
    if (current && current.descriptor.digest !== written) {
      await this.deleteReplaced(current.descriptor.digest)
    }
    return false
  }

  private entriesOf(current: ManifestRead): IndexEntry[] {
    const entries =
      current.descriptor.mediaType === MediaType.ociIndex
        ? parseReferrersIndex(current.bytes)
        : `it is a ${current.descriptor.mediaType}`
    if (typeof entries === 'string') {
      throw new ActionError(
        `${this.where()}: the tag ${this.tag} does not hold a referrers index (${entries}), so the signature cannot be listed there. Remove or rename that tag, then sign again.`
      )
    }
    return entries
  }

  /**
   * distribution refuses an index that lists a manifest it no longer has (MANIFEST_BLOB_UNKNOWN
   * naming it): someone deleted that signature, so it leaves the list. Never our own.
   */
  private forgetDeletedManifest(error: unknown): boolean {
    if (!(error instanceof RegistryError)) return false
    const gone = error.errors.find(
      entry => entry.code === 'MANIFEST_BLOB_UNKNOWN' && SHA256_DIGEST.test(entry.detail ?? '')
    )?.detail
    if (!gone || gone === this.signature.digest || !this.seen.has(gone)) return false
    this.seen.delete(gone)
    this.deleted.add(gone)
    return true
  }

  /**
   * Deletes the index this round replaced, so untagged indexes do not pile up; a failure is not
   * fatal. Never the one the tag points to now: a registry deletes a manifest's tags with it.
   */
  private async deleteReplaced(replaced: string): Promise<void> {
    const call = {
      deadline: Date.now() + this.timing.windowMs,
      attempts: 1,
      signal: this.stop.signal
    }
    try {
      const now = await this.client.readManifest(this.repository, this.tag, call)
      if (!now || now.descriptor.digest === replaced) return
      this.checkGoing()
      // A delete cut off may still land: the settle counts from then.
      this.lastChangeAt = Date.now() + this.timing.landingMarginMs
      await this.client.deleteManifest(this.repository, replaced, call)
      this.lastChangeAt = Date.now()
    } catch {
      // Left behind, an untagged index is harmless; only cancellation ends the update here.
      if (this.stop.signal.aborted) throw this.cancelled()
    }
  }

  /**
   * A failure in passing waits its back-off and the round is tried again; others end the update.
   * A request cut off at its round's window is one in passing (a slow registry or a busy runner),
   * not the step's own deadline, which `pause` enforces.
   */
  private async afterFailure(error: unknown, windowEnd: number): Promise<void> {
    if (this.stop.signal.aborted) throw this.cancelled()
    const cutOffByWindow =
      error instanceof RegistryError && error.status === undefined && Date.now() >= windowEnd
    const kind = cutOffByWindow ? 'transient' : failureKind(error)
    this.failures++
    if (kind === 'final' || this.failures >= MAX_FAILURES) throw error
    await this.pause((kind === 'throttled' ? throttledDelayMs : retryDelayMs)(this.failures))
  }

  private async pause(ms: number): Promise<void> {
    if (this.options.deadline !== undefined && Date.now() + ms > this.options.deadline) {
      throw new ActionError(
        `${this.where()}: ran out of time keeping the referrers tag ${this.tag} (timeout-seconds).`
      )
    }
    if (ms <= 0) return
    try {
      await sleep(ms, undefined, { signal: this.stop.signal })
    } catch {
      throw this.cancelled()
    }
  }

  private checkGoing(): void {
    if (this.stop.signal.aborted) throw this.cancelled()
  }

  private cancelled(): ActionError {
    return new ActionError(
      `${this.where()}: the referrers tag update was cancelled; nothing more was written.`
    )
  }

  private where(): string {
    return `${this.client.registry}/${this.repository}`
  }
}
