/** Client-side errors, each with the message an operator should see. */
import { formatManifestErrors, type ManifestError } from '../api/manifest.js';

export class InvalidManifestError extends Error {
  constructor(readonly errors: ManifestError[]) {
    super(`invalid manifest (${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was applied):\n${formatManifestErrors(errors)}`);
    this.name = 'InvalidManifestError';
  }
}

export class HostNotFoundError extends Error {
  constructor(readonly namespace: string, readonly hostName: string) {
    super(`baremetalhost ${namespace}/${hostName} not found`);
    this.name = 'HostNotFoundError';
  }
}

export class TemporalUnreachableError extends Error {
  constructor(readonly address: string, readonly namespace: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    super(`cannot reach Temporal at ${address} (namespace "${namespace}"): ${why}\n` +
      'Is the stack running (`npm start`)? Otherwise set TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE.');
    this.name = 'TemporalUnreachableError';
  }
}

/** A wait ran out of time (kubectl wait's text, then what the host was doing). */
export class WaitTimeoutError extends Error {
  constructor(readonly hostName: string, lastSeen?: string) {
    super(`timed out waiting for the condition on baremetalhosts/${hostName}${lastSeen ? ` (last seen: ${lastSeen})` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

/** While waiting, the host reported a new error: the requested change failed (for now). */
export class HostFailedError extends Error {
  constructor(readonly hostName: string, errorType: string, errorMessage: string) {
    super(`baremetalhosts/${hostName} failed: ${errorType}: ${errorMessage}`);
    this.name = 'HostFailedError';
  }
}
