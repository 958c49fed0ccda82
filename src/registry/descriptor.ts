/**
 * OCI content descriptors and the media types that signing an image reads and writes
 * (OCI image-spec, descriptor.md; Notary Project signature specification).
 */

/** What names one piece of content in a registry: its type, digest and size. */
export interface Descriptor {
  mediaType: string
  /** `sha256:<64 lowercase hex>` */
  digest: string
  size: number
  artifactType?: string
  annotations?: Record<string, string>
}

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  joseJson: 'application/jose+json',
  notarySignature: 'application/vnd.cncf.notary.signature',
  notaryPayload: 'application/vnd.cncf.notary.payload.v1+json'
} as const

/** Manifest types a signature may name as its subject: images and image indexes. */
export const IMAGE_MANIFEST_TYPES: readonly string[] = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList
]

export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/
