// Public client library surface.
export { MetalflowClient, loadManifests, sealHost, type ApplyResult, type ApplyOutcome, type HostDescription } from './metalflow-client.js';
export { HostNotFoundError, InvalidManifestError, TemporalUnreachableError } from './errors.js';
export * from '../contract/index.js';
