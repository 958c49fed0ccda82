/**
 * Stands in for @actions/core's OIDC client (its lib/oidc-utils.js) in dist/. That module
 * imports @actions/http-client and undici (about 440 KB of the bundle) at load, although the
 * action never asks for an OIDC token: its AWS credentials come from the environment (the OIDC
 * exchange is aws-actions/configure-aws-credentials' step). `npm run bundle` leaves
 * `./oidc-utils.js` out of the bundle (ncc `-e`) and writes this file as dist/oidc-utils.js,
 * which the bundle imports instead. core.js uses only `OidcClient.getIDToken(audience)`
 * (__tests__/unit/shims/oidc-utils.test.ts checks that).
 */
export const OidcClient = {
  async getIDToken(_audience?: string): Promise<string> {
    throw new Error(
      "core.getIDToken() is not available in this action's bundle: it leaves out @actions/core's OIDC client (see src/shims/oidc-utils.ts)."
    )
  }
}
