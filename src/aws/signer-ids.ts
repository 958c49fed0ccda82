/**
 * The forms Signer's identifiers take. A value from a service answer is held to them before it
 * reaches an output, the signing record or the summary's ready-to-paste commands, which
 * workflows interpolate into shell lines: none of these forms holds a quote, a space or a `$`.
 */

/** Signer's job IDs are UUIDs; this also keeps anything odd out of request paths and the log. */
export const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/

export const ACCOUNT_ID = /^\d{12}$/

/** Signer's own pattern for a profile version. */
export const PROFILE_VERSION = /^[a-zA-Z0-9]{10}$/

/** Signer names its platforms like `AWSLambda-SHA384-ECDSA`; wider than that, still shell-inert. */
export const PLATFORM_ID = /^[A-Za-z0-9._-]{1,128}$/
