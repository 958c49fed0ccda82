/** The stand-in registry's answers: a status, headers, a body; errors in the distribution shape. */

export interface Answer {
  status: number
  headers: Record<string, string | number>
  body?: Buffer
}

export function json(status: number, value: unknown): Answer {
  const body = Buffer.from(JSON.stringify(value))
  return {
    status,
    headers: { 'content-type': 'application/json', 'content-length': body.length },
    body
  }
}

export function error(
  status: number,
  code: string,
  message: string,
  detail?: unknown,
  headers: Record<string, string> = {}
): Answer {
  const answer = json(status, {
    errors: [{ code, message, ...(detail === undefined ? {} : { detail }) }]
  })
  Object.assign(answer.headers, headers)
  return answer
}
