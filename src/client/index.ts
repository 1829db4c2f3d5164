// Public client library surface.
export { MetalflowClient, loadManifests, sealHost, type ApplyResult, type ApplyOutcome, type HostDescription } from './metalflow-client.js';
export { HostNotFoundError, InvalidManifestError, TemporalUnreachableError } from './errors.js';
// Sealing for `apply`: the public key only (a client cannot open what it seals).
export { Sealer, parseSealingPublicKey, type SealingPublicKey } from '../secrets/sealer.js';
export { findPublicKey, SealingKeyNotFoundError, type PublicKeySources } from '../secrets/key-store.js';
export * from '../contract/index.js';
