/**
 * BareMetalHost (metal3.io/v1alpha1) types, as Metal3 users write them and as BMO reports status.
 * Only plain data: these cross the workflow boundary and must stay serialisable.
 */
import type { HostFirmwareStatus } from './firmware.js';

export const ProvisioningState = {
  None: '',
  Unmanaged: 'unmanaged',
  Registering: 'registering',
  Inspecting: 'inspecting',
  Preparing: 'preparing',
  Available: 'available',
  Provisioning: 'provisioning',
  Provisioned: 'provisioned',
  ExternallyProvisioned: 'externally provisioned',
  Deprovisioning: 'deprovisioning',
  PoweringOffBeforeDelete: 'powering off before delete',
  Deleting: 'deleting',
} as const;
export type ProvisioningState = (typeof ProvisioningState)[keyof typeof ProvisioningState];

export const OperationalStatus = {
  OK: 'OK',
  Discovered: 'discovered',
  Error: 'error',
  Delayed: 'delayed',
  Detached: 'detached',
  /** BMO's day-2 firmware work on a provisioned host (the provisioning state stays). */
  Servicing: 'servicing',
} as const;
export type OperationalStatus = (typeof OperationalStatus)[keyof typeof OperationalStatus];

export const ErrorType = {
  None: '',
  ProvisionedRegistration: 'provisioned registration error',
  Registration: 'registration error',
  Inspection: 'inspection error',
  Preparation: 'preparation error',
  Provisioning: 'provisioning error',
  PowerManagement: 'power management error',
  Detach: 'detach error',
  Servicing: 'servicing error',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Ironic's soft (ACPI) or hard reboot; the reboot.metal3.io annotation's `mode`. */
export type RebootMode = 'soft' | 'hard';

export interface SecretReference {
  name: string;
  namespace?: string;
}

export interface Image {
  url: string;
  checksum?: string;
  checksumType?: 'md5' | 'sha256' | 'sha512' | 'auto';
  format?: 'raw' | 'qcow2' | 'vdi' | 'vmdk' | 'live-iso';
  ociAuthSecretName?: string;
}

export interface RootDeviceHints {
  deviceName?: string;
  hctl?: string;
  model?: string;
  vendor?: string;
  serialNumber?: string;
  minSizeGigabytes?: number;
  wwn?: string;
  wwnWithExtension?: string;
  wwnVendorExtension?: string;
  rotational?: boolean;
}

export interface BareMetalHostSpec {
  bmc?: { address: string; credentialsName: string; disableCertificateVerification?: boolean };
  bootMACAddress?: string;
  online: boolean;
  image?: Image;
  customDeploy?: { method: string };
  userData?: SecretReference;
  networkData?: SecretReference;
  metaData?: SecretReference;
  preprovisioningNetworkDataName?: string;
  rootDeviceHints?: RootDeviceHints;
  raid?: { hardwareRAIDVolumes?: unknown[] | null; softwareRAIDVolumes?: unknown[] | null };
  bootMode?: 'UEFI' | 'UEFISecureBoot' | 'legacy';
  automatedCleaningMode?: 'metadata' | 'disabled';
  externallyProvisioned?: boolean;
  consumerRef?: Record<string, unknown>;
  architecture?: string;
  disablePowerOff?: boolean;
  inspectionMode?: 'disabled' | 'agent' | 'fast';
  networkInterfaces?: unknown[];
  hardwareProfile?: string;
  description?: string;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface BareMetalHost {
  apiVersion: 'metal3.io/v1alpha1';
  kind: 'BareMetalHost';
  metadata: ObjectMeta;
  spec: BareMetalHostSpec;
}

/** A Kubernetes v1 Secret after decoding: `data` (base64) and `stringData` merged into plain strings. */
export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  data: Record<string, string>;
}

export interface HardwareDetails {
  systemVendor?: { manufacturer?: string; productName?: string; serialNumber?: string };
  firmware?: { bios?: { date?: string; vendor?: string; version?: string } };
  ramMebibytes?: number;
  nics?: Array<{
    name: string;
    model?: string;
    mac: string;
    ip?: string;
    speedGbps?: number;
    vlans?: Array<{ id?: number; name?: string }>;
    vlanId?: number;
    pxe?: boolean;
    lldp?: { switchID?: string; portID?: string; switchSystemName?: string };
    pciAddress?: string;
  }>;
  storage?: Array<{
    name: string;
    alternateNames?: string[];
    rotational?: boolean;
    type?: 'HDD' | 'SSD' | 'NVME';
    sizeBytes: number;
    vendor?: string;
    model?: string;
    serialNumber?: string;
    wwn?: string;
    wwnVendorExtension?: string;
    wwnWithExtension?: string;
    hctl?: string;
  }>;
  cpu?: { arch?: string; model?: string; clockMegahertz?: number; flags?: string[]; count?: number };
  hostname?: string;
}

export interface OperationMetric {
  start: string | null;
  end: string | null;
}

export interface CredentialsStatus {
  credentials: { name: string; namespace: string };
  /** Stands in for the Secret's resourceVersion: a keyed digest of the credentials, never the values. */
  credentialsVersion: string;
}

/** The BareMetalHost `status` shape, as returned by the `status` query. */
export interface BareMetalHostStatus {
  operationalStatus: OperationalStatus;
  errorType: ErrorType;
  errorMessage: string;
  errorCount: number;
  provisioningFailCount: number;
  lastUpdated: string;
  /** BMO's hardware profile name (deprecated in BMO; reported, its default root hints not applied). */
  hardwareProfile?: string;
  poweredOn: boolean;
  provisioning: {
    state: ProvisioningState;
    ID: string;
    image?: Image;
    rootDeviceHints?: RootDeviceHints;
    bootMode?: string;
    customDeploy?: { method: string };
    /** The RAID configuration last applied in preparing (BMO status.provisioning.raid). */
    raid?: BareMetalHostSpec['raid'];
    /** The firmware configuration last applied (BMO status.provisioning.firmware). */
    firmware?: Record<string, unknown>;
  };
  lastAttemptedImage?: Image;
  goodCredentials?: CredentialsStatus;
  triedCredentials?: CredentialsStatus;
  operationHistory: {
    register: OperationMetric;
    inspect: OperationMetric;
    provision: OperationMetric;
    deprovision: OperationMetric;
  };
  hardware?: HardwareDetails;
  /** metav1.Condition list (newer BMO). */
  conditions?: StatusCondition[];
  /** HostFirmwareSettings/FirmwareSchema/HostFirmwareComponents status, once the BMC was read (firmware.ts). */
  firmware?: HostFirmwareStatus;
}

export interface StatusCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}
