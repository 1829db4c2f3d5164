/** Failures of a boot worker's TLS material: each a start-up error an operator must act on. */

/** Base of the TLS material errors (the worker prints the message and stops). */
export class TlsMaterialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A certificate, key or CA file named in the settings cannot serve (missing, not PEM, key not the certificate's). */
export class TlsFileError extends TlsMaterialError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** openssl could not make the generated material (not installed, or it failed). */
export class TlsGenerationError extends TlsMaterialError {}
