/**
 * A Secret's value as it travels through workflow inputs and history: sealed to the workers' public
 * key (an X25519 sealed box, src/secrets/sealed-box.ts), never in plain text. Clients seal with the
 * public key; only workers hold the private keys that open it. `version` is a keyed digest bound to
 * the Secret's namespace and name, so a changed credential is detectable without the value.
 */
export interface SealedSecret {
  /** Secret name (namespace is the host's). Bound into the ciphertext: a renamed blob does not open. */
  name: string;
  /**
   * HMAC-SHA256 (the deployment's digest key) over namespace, name and the plain content, hex, first
   * 16 chars: changes whenever the content changes; equal values in other Secrets give other versions.
   */
  version: string;
  /** The Secret's keys (not secret; validation checks them, e.g. `username` and `password`). */
  keys: string[];
  /** `mf2.<key id>.<base64(ephemeral public key | iv | tag | ciphertext)>` of the JSON-encoded `data` map. */
  sealed: string;
}

/** The Secrets a host refers to, sealed. Keys are the BareMetalHost fields that reference them. */
export interface HostSecrets {
  credentials?: SealedSecret;
  userData?: SealedSecret;
  networkData?: SealedSecret;
  metaData?: SealedSecret;
  preprovisioningNetworkData?: SealedSecret;
}

/** What a sealed Secret is for: the host field that references it (bound into the ciphertext). */
export type SecretPurpose = keyof HostSecrets;

/** Where a sealed Secret may be opened: the host's namespace and the field it serves. */
export interface UnsealContext {
  namespace: string;
  purpose: SecretPurpose;
}
