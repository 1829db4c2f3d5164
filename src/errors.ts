/**
 * One error class per failure kind. `nonRetryable` ones are final for the activity attempt
 * (retrying cannot help until an operator changes something); the host workflow still turns
 * them into the host's errorType/errorMessage and backs off.
 */
export abstract class MetalflowError extends Error {
  abstract readonly nonRetryable: boolean;
  readonly context: Record<string, unknown>;
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.context = context;
  }
}

/** The BMC did not answer or answered with a server error; worth retrying. */
export class BmcUnreachableError extends MetalflowError {
  readonly nonRetryable = false;
}

/** The BMC refused the credentials; retrying is pointless until the credentials change. */
export class BmcAuthenticationError extends MetalflowError {
  readonly nonRetryable = true;
}

/** The BMC's TLS certificate is not trusted; retrying cannot help. */
export class BmcCertificateError extends MetalflowError {
  readonly nonRetryable = true;
}

/** The BMC rejected a request (4xx other than auth): unsupported operation or bad input. */
export class RedfishRequestError extends MetalflowError {
  readonly nonRetryable = true;
}

/**
 * The BMC gave a URL (a link, an action target, a redirect) outside its own origin, or with user
 * info; refused, since the BMC credentials go with every request.
 */
export class BmcForeignUrlError extends MetalflowError {
  readonly nonRetryable = true;
}

/** A BMC answer went over a limit (body size, collection members, resources walked, redirects). */
export class BmcResponseLimitError extends MetalflowError {
  readonly nonRetryable = true;
}

/** An ipmitool command failed in a way retrying will not fix (e.g. unsupported command). */
export class IpmiCommandError extends MetalflowError {
  readonly nonRetryable = false;
}

/** The BMC address names a driver this build cannot drive. */
export class UnsupportedDriverError extends MetalflowError {
  readonly nonRetryable = true;
}

/** Requested firmware settings are invalid for the BMC's schema, or were not applied (Ironic's unapplied check). */
export class FirmwareSettingsError extends MetalflowError {
  readonly nonRetryable = true;
}

/** A firmware update (Redfish SimpleUpdate) failed or did not finish in time. */
export class FirmwareUpdateError extends MetalflowError {
  readonly nonRetryable = true;
}

/** A power or boot-device command failed on the BMC. */
export class PowerControlError extends MetalflowError {
  readonly nonRetryable = false;
}

/** Hardware inspection failed (agent or out-of-band). */
export class InspectionFailedError extends MetalflowError {
  readonly nonRetryable = true;
}

/** Cleaning or preparation steps failed. */
export class CleaningFailedError extends MetalflowError {
  readonly nonRetryable = true;
}

/** Writing the image or booting the deployed OS failed. */
export class DeployFailedError extends MetalflowError {
  readonly nonRetryable = true;
}

/** A sealed Secret could not be opened: unknown key, sealed for another host's context, or damaged. */
export class SecretUnsealError extends MetalflowError {
  readonly nonRetryable = true;
  constructor(secretName: string, reason = "this worker's sealing keys differ from the one that sealed it") {
    super(`cannot decrypt secret ${secretName}: ${reason}`, { secretName });
  }
}

/** A required Secret reference is missing from the host definition. */
export class MissingSecretError extends MetalflowError {
  readonly nonRetryable = true;
}

/** The preprovisioning network data (nmstate) holds what the agent ramdisk cannot apply. */
export class NetworkDataError extends MetalflowError {
  readonly nonRetryable = true;
}

/** Building the agent ISO failed (a tool failed, or the agent kernel/initramfs is missing). */
export class AgentMediaBuildError extends MetalflowError {
  readonly nonRetryable = false;
}

/** The provisioning semaphore's book is full (MAX_SLOT_WAITERS / MAX_SLOT_HOLDERS): the ask is refused, the host asks again later. */
export class SlotBookFullError extends MetalflowError {
  readonly nonRetryable = false;
}

/**
 * Every failure type that crosses a process boundary (Temporal failure `type`s): the error classes
 * above by name, and the failures the workflow raises itself. Clients and the workflow compare
 * against these, never against loose strings. A unit test checks the classes and this list agree.
 */
export const FailureType = {
  BmcUnreachableError: 'BmcUnreachableError',
  BmcAuthenticationError: 'BmcAuthenticationError',
  BmcCertificateError: 'BmcCertificateError',
  RedfishRequestError: 'RedfishRequestError',
  BmcForeignUrlError: 'BmcForeignUrlError',
  BmcResponseLimitError: 'BmcResponseLimitError',
  IpmiCommandError: 'IpmiCommandError',
  UnsupportedDriverError: 'UnsupportedDriverError',
  FirmwareSettingsError: 'FirmwareSettingsError',
  FirmwareUpdateError: 'FirmwareUpdateError',
  PowerControlError: 'PowerControlError',
  InspectionFailedError: 'InspectionFailedError',
  CleaningFailedError: 'CleaningFailedError',
  DeployFailedError: 'DeployFailedError',
  SecretUnsealError: 'SecretUnsealError',
  MissingSecretError: 'MissingSecretError',
  NetworkDataError: 'NetworkDataError',
  AgentMediaBuildError: 'AgentMediaBuildError',
  SlotBookFullError: 'SlotBookFullError',
  /** applySpec rejected: the definition breaks a manifest or change rule (details: the field errors). */
  InvalidSpec: 'InvalidSpec',
  /** applySpec rejected: the host is being deleted. */
  HostDeleting: 'HostDeleting',
  /** The agent did not boot, heartbeat or report in time. */
  AgentTimeout: 'AgentTimeout',
  /** The agent reported that inspection failed. */
  AgentInspectionError: 'AgentInspectionError',
  /** An agent boot needs spec.bootMACAddress to recognise the agent. */
  MissingBootMAC: 'MissingBootMAC',
  /** The boot worker has no open agent session with a callback URL (e.g. it restarted). */
  AgentSessionLost: 'AgentSessionLost',
  /** A live-iso image on a host whose BMC has no virtual media (the message names the driver). */
  LiveIsoNeedsVirtualMedia: 'LiveIsoNeedsVirtualMedia',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** The failure types of the error classes whose `nonRetryable` is true: activity retries stop at them. */
export const NON_RETRYABLE_ERROR_TYPES: readonly FailureType[] = [
  FailureType.BmcAuthenticationError,
  FailureType.BmcCertificateError,
  FailureType.RedfishRequestError,
  FailureType.BmcForeignUrlError,
  FailureType.BmcResponseLimitError,
  FailureType.UnsupportedDriverError,
  FailureType.FirmwareSettingsError,
  FailureType.FirmwareUpdateError,
  FailureType.InspectionFailedError,
  FailureType.CleaningFailedError,
  FailureType.DeployFailedError,
  FailureType.SecretUnsealError,
  FailureType.MissingSecretError,
  FailureType.NetworkDataError,
];
