/** Why the agent API refused a request its backend (the agent sessions) judged; the API maps them to HTTP. */

/** The request is well-formed but not acceptable now (not an inspection boot, repeated, foreign MACs...). */
export class AgentRequestRefusedError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'AgentRequestRefusedError';
  }
}

/** The host workflow did not take the signal: nothing counts as delivered, the agent retries (HTTP 503). */
export class SignalNotDeliveredError extends Error {
  constructor(cause: unknown) {
    super('The request could not be delivered to the conductor; retry later', { cause });
    this.name = 'SignalNotDeliveredError';
  }
}
