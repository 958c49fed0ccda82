/**
 * One RegistryClient per registry for the whole step: its credentials are found (and an ECR token
 * asked for) once, its tokens and its pace shared by every image signed there.
 */
import { RequestRate } from '../aws/request-rate.js'
import { registryCredentials, type CredentialsOptions } from './credentials.js'
import type { ImageReference } from './image-reference.js'
import { RegistryClient } from './registry-client.js'
import type { RegistryAccess } from './registry-error.js'

export interface RegistryClientsOptions extends CredentialsOptions {
  /** Signing pushes; verifying only pulls. Default: push. */
  access?: RegistryAccess
}

export class RegistryClients {
  private readonly clients = new Map<string, Promise<RegistryClient>>()

  constructor(private readonly options: RegistryClientsOptions) {}

  /** The client for the reference's registry, made on first use. */
  forImage(reference: ImageReference): Promise<RegistryClient> {
    let client = this.clients.get(reference.apiHost)
    if (!client) {
      client = this.create(reference)
      // A failure (refused ECR token) is not kept: the next image of that registry tries again.
      client.catch(() => this.clients.delete(reference.apiHost))
      this.clients.set(reference.apiHost, client)
    }
    return client
  }

  private async create(reference: ImageReference): Promise<RegistryClient> {
    const credentials = await registryCredentials(reference.registry, this.options)
    return new RegistryClient({
      registry: reference.registry,
      apiHost: reference.apiHost,
      credentials,
      budgetMs: this.options.budgetMs,
      rate: new RequestRate(),
      access: this.options.access
    })
  }
}
