/** Activity argument types, host and boot activities alike: one per activity, shared with the workflow. */
import type { Image, RebootMode, RootDeviceHints } from '../api/types.js';
import type { HostSecrets, SealedSecret } from '../secrets/sealed-types.js';

/** Everything a driver needs to find and talk to one host. */
export interface HostTarget {
  workflowId: string;
  /** Stable host id (status.provisioning.ID). */
  uid: string;
  namespace: string;
  name: string;
  bmcAddress: string;
  disableCertificateVerification?: boolean;
  credentials?: SealedSecret;
  annotations: Record<string, string>;
  bootMACAddress?: string;
}

export interface StepInput {
  target: HostTarget;
  /** Deterministic per step: retries of this activity reuse it, the next attempt of the step does not. */
  opId: string;
}

export interface InspectInput extends StepInput {
  mode: 'agent' | 'fast';
}

export interface ProvisionInput extends StepInput {
  image: Image;
  rootDeviceHints?: RootDeviceHints;
  bootMode?: string;
  /** Clean (erase metadata) before writing the image: first provisioning with cleaning enabled. */
  cleanFirst: boolean;
  online: boolean;
  secrets: Pick<HostSecrets, 'userData' | 'networkData' | 'metaData' | 'preprovisioningNetworkData'>;
}

export interface DeprovisionInput extends StepInput {
  cleaningMode: 'metadata' | 'disabled';
}

export interface SetPowerInput extends StepInput {
  on: boolean;
  force?: boolean;
}

export interface RebootInput extends StepInput {
  mode: RebootMode;
}

export interface CapacityInput {
  workflowId: string;
  limit: number;
  /** The states that hold a provisioning slot (the workflow's states table). */
  busyStates?: readonly string[];
}

// ---- boot-services activities (task queue boot-<network>)

/** A session as the workflow opens it: the preprovisioning network data still sealed. */
export interface ExpectAgentInput {
  workflowId: string;
  uuid: string;
  name: string;
  macs: string[];
  session: string;
  preprovisioningNetworkData?: SealedSecret;
  /** This boot inspects: the agent gets the inspection callback URL. */
  inspect?: boolean;
}

export interface AgentStepInput {
  uuid: string;
  session: string;
}

export interface AgentDeployInput extends AgentStepInput {
  name: string;
  namespace: string;
  image: Image;
  rootDeviceHints?: RootDeviceHints;
  bootMode?: string;
  secrets: Pick<HostSecrets, 'userData' | 'networkData' | 'metaData' | 'preprovisioningNetworkData'>;
}

