/**
 * A Secret's value as it travels through workflow inputs and history: encrypted (AES-256-GCM) with
 * the deployment's secret key, never in plain text. Only activities (and the client that seals)
 * hold the key. `version` is a keyed digest, so a changed credential is detectable without the value.
 */
export interface SealedSecret {
  /** Secret name (namespace is the host's). */
  name: string;
  /** HMAC-SHA256 of the plain content, hex, first 16 chars: changes whenever the content changes. */
  version: string;
  /** The Secret's keys (not secret; validation checks them, e.g. `username` and `password`). */
  keys: string[];
  /** base64(iv | tag | ciphertext) of the JSON-encoded `data` map. */
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
