import { createHash } from 'node:crypto'
import type { Descriptor } from '../../src/registry/descriptor.js'

/**
 * Test content pushed into a registry (the stand-in or the real docker-registry) with plain
 * fetch, independent of the client under test: an image (config, one layer, manifest), a
 * two-platform image index, a Notary-style signature manifest, and other artifacts attached.
 */

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const EMPTY = 'application/vnd.oci.empty.v1+json'

export interface PushOptions {
  tag?: string
  /** Makes the content (and so the digests) differ between calls. */
  seed?: string
  /** Authorization header for a registry that asks for one. */
  authorization?: string
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

function headers(options: PushOptions, extra: Record<string, string> = {}): Record<string, string> {
  return options.authorization ? { ...extra, authorization: options.authorization } : extra
}

export async function pushBlob(
  endpoint: string,
  repository: string,
  bytes: Buffer,
  mediaType: string,
  options: PushOptions = {}
): Promise<Descriptor> {
  const digest = digestOf(bytes)
  const started = await fetch(`${endpoint}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers: headers(options)
  })
  if (started.status !== 202) throw new Error(`blob upload start: ${started.status}`)
  const location = new URL(started.headers.get('location') ?? '', endpoint)
  location.searchParams.set('digest', digest)
  const done = await fetch(location, {
    method: 'PUT',
    body: bytes,
    headers: headers(options, { 'content-type': 'application/octet-stream' })
  })
  if (done.status !== 201) throw new Error(`blob upload: ${done.status} ${await done.text()}`)
  return { mediaType, digest, size: bytes.length }
}

export async function pushManifest(
  endpoint: string,
  repository: string,
  manifest: object,
  mediaType: string,
  options: PushOptions = {}
): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
  const bytes = Buffer.from(JSON.stringify(manifest))
  const digest = digestOf(bytes)
  const answer = await fetch(`${endpoint}/v2/${repository}/manifests/${options.tag ?? digest}`, {
    method: 'PUT',
    body: bytes,
    headers: headers(options, { 'content-type': mediaType })
  })
  if (answer.status !== 201)
    throw new Error(`manifest push: ${answer.status} ${await answer.text()}`)
  return { descriptor: { mediaType, digest, size: bytes.length }, bytes }
}

/** An image: a config, one layer, an OCI manifest; tagged when `tag` is given. */
export async function pushTestImage(
  endpoint: string,
  repository: string,
  options: PushOptions & { platform?: { os: string; architecture: string } } = {}
): Promise<Descriptor> {
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' }
  const config = Buffer.from(
    JSON.stringify({
      ...platform,
      rootfs: { type: 'layers', diff_ids: [] },
      seed: options.seed ?? ''
    })
  )
  const layer = Buffer.from(`layer ${options.seed ?? ''} ${platform.architecture}`)
  const configDescriptor = await pushBlob(
    endpoint,
    repository,
    config,
    'application/vnd.oci.image.config.v1+json',
    options
  )
  const layerDescriptor = await pushBlob(
    endpoint,
    repository,
    layer,
    'application/vnd.oci.image.layer.v1.tar',
    options
  )
  const { descriptor } = await pushManifest(
    endpoint,
    repository,
    {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: configDescriptor,
      layers: [layerDescriptor]
    },
    OCI_MANIFEST,
    options
  )
  return descriptor
}

/** A two-platform image index (linux/amd64, linux/arm64) over two untagged images. */
export async function pushTestIndex(
  endpoint: string,
  repository: string,
  options: PushOptions = {}
): Promise<{ index: Descriptor; images: Descriptor[] }> {
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' }
  ]
  const images: Descriptor[] = []
  for (const platform of platforms) {
    images.push(await pushTestImage(endpoint, repository, { ...options, tag: undefined, platform }))
  }
  const { descriptor } = await pushManifest(
    endpoint,
    repository,
    {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: images.map((image, i) => ({ ...image, platform: platforms[i] }))
    },
    OCI_INDEX,
    options
  )
  return { index: descriptor, images }
}

/**
 * An artifact that names `subject` but is no signature (an SBOM by default, an attestation), as
 * other tools attach them beside an image: listed by the referrers API among its signatures.
 */
export async function pushAttachedArtifact(
  endpoint: string,
  repository: string,
  subject: Descriptor,
  options: Pick<PushOptions, 'seed' | 'authorization'> & { artifactType?: string } = {}
): Promise<Descriptor> {
  const artifactType = options.artifactType ?? 'application/spdx+json'
  const config = await pushBlob(endpoint, repository, Buffer.from('{}'), EMPTY, options)
  const content = Buffer.from(`attached ${options.seed ?? ''}`)
  const layer = await pushBlob(endpoint, repository, content, artifactType, options)
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config,
    layers: [layer],
    subject
  }
  return (await pushManifest(endpoint, repository, manifest, OCI_MANIFEST, options)).descriptor
}

export interface SignatureManifest {
  bytes: Buffer
  descriptor: Descriptor
  /** The blobs it names: the empty config, then the envelope. */
  blobs: { bytes: Buffer; mediaType: string }[]
}

/** A Notary-style signature manifest for `subject` (the real one is built by src/notary). */
export function signatureManifest(subject: Descriptor, envelope: Buffer): SignatureManifest {
  const config = Buffer.from('{}')
  const configDescriptor = { mediaType: EMPTY, digest: digestOf(config), size: config.length }
  const layer = {
    mediaType: 'application/jose+json',
    digest: digestOf(envelope),
    size: envelope.length
  }
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.cncf.notary.signature',
      config: configDescriptor,
      layers: [layer],
      subject,
      annotations: { 'org.opencontainers.image.created': new Date(0).toISOString() }
    })
  )
  return {
    bytes,
    descriptor: { mediaType: OCI_MANIFEST, digest: digestOf(bytes), size: bytes.length },
    blobs: [
      { bytes: config, mediaType: EMPTY },
      { bytes: envelope, mediaType: 'application/jose+json' }
    ]
  }
}
