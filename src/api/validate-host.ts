/**
 * BareMetalHost validation: the CRD schema rules plus BMO's admission webhook rules
 * (baremetalhost_validation.go). Pure and dependency-free, so the CLI (before anything is sent)
 * and the host workflow's `applySpec` validator run the very same checks.
 */
import { PROVISIONING_NETWORK_ANNOTATION, isValidProvisioningNetwork } from './provisioning-network.js';
import { BmcAddressError, parseBmcAddress, type BmcAddress } from './bmc-address.js';
import type { BareMetalHost, BareMetalHostSpec } from './types.js';
import { FakeAnnotation, parseFakeOptions } from './fake-annotations.js';
import { validateHardwareDetailsAnnotation } from './annotations.js';

export interface FieldError {
  field: string;
  reason: string;
}

export interface HostValidationContext {
  /** Secrets that exist in the host's namespace, by name, with their keys. */
  secrets: ReadonlyMap<string, ReadonlySet<string>>;
}

const NAME_RE = /^[A-Za-z0-9._-]+$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

const SPEC_FIELDS = new Set<keyof BareMetalHostSpec | 'firmware' | 'taints'>([
  'bmc', 'bootMACAddress', 'online', 'image', 'customDeploy', 'userData', 'networkData', 'metaData',
  'preprovisioningNetworkDataName', 'rootDeviceHints', 'raid', 'bootMode', 'automatedCleaningMode',
  'externallyProvisioned', 'consumerRef', 'architecture', 'disablePowerOff', 'inspectionMode',
  'networkInterfaces', 'hardwareProfile', 'description', 'firmware', 'taints',
]);
const HINT_STRING_FIELDS = ['deviceName', 'hctl', 'model', 'vendor', 'serialNumber', 'wwn', 'wwnWithExtension', 'wwnVendorExtension'];
const CHECKSUM_TYPES = ['md5', 'sha256', 'sha512', 'auto'];
const IMAGE_FORMATS = ['raw', 'qcow2', 'vdi', 'vmdk', 'live-iso'];
const BOOT_MODES = ['UEFI', 'UEFISecureBoot', 'legacy'];
const CLEANING_MODES = ['metadata', 'disabled'];
const INSPECTION_MODES = ['disabled', 'agent', 'fast'];
const HW_RAID_LEVELS = ['0', '1', '2', '5', '6', '1+0', '5+0', '6+0'];
const SW_RAID_LEVELS = ['0', '1', '1+0'];
export const INSPECT_ANNOTATION = 'inspect.metal3.io';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates name and namespace (metadata) of any object we accept. */
export function validateObjectMeta(meta: unknown, errors: FieldError[]): void {
  if (!isObject(meta)) {
    errors.push({ field: 'metadata', reason: 'is required' });
    return;
  }
  if (typeof meta.name !== 'string' || meta.name === '') errors.push({ field: 'metadata.name', reason: 'is required' });
  else if (meta.name.length > 253) errors.push({ field: 'metadata.name', reason: 'must be at most 253 characters' });
  if (meta.namespace !== undefined && (typeof meta.namespace !== 'string' || !DNS_LABEL_RE.test(meta.namespace))) {
    errors.push({ field: 'metadata.namespace', reason: 'must be a DNS label (lowercase letters, digits, "-")' });
  }
  for (const key of ['annotations', 'labels'] as const) {
    const map = meta[key];
    if (map === undefined) continue;
    if (!isObject(map) || Object.values(map).some((v) => typeof v !== 'string')) {
      errors.push({ field: `metadata.${key}`, reason: 'must be a map of strings' });
    }
  }
}

/**
 * Validates one BareMetalHost object. Returns the errors (empty when valid); `field` paths are
 * relative to the object (e.g. `spec.bmc.address`).
 */
export function validateBareMetalHost(obj: Record<string, unknown>, ctx: HostValidationContext): FieldError[] {
  const errors: FieldError[] = [];
  validateObjectMeta(obj.metadata, errors);
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  if (typeof meta.name === 'string' && meta.name !== '') {
    if (!NAME_RE.test(meta.name)) errors.push({ field: 'metadata.name', reason: 'may contain only letters, digits, ".", "_" and "-"' });
    else if (UUID_RE.test(meta.name)) errors.push({ field: 'metadata.name', reason: 'must not be a UUID' });
  }
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  const annotations = isObject(meta.annotations) ? (meta.annotations as Record<string, string>) : {};

  const spec = obj.spec;
  if (!isObject(spec)) {
    errors.push({ field: 'spec', reason: 'is required' });
    return errors;
  }
  for (const key of Object.keys(spec)) {
    if (!SPEC_FIELDS.has(key as keyof BareMetalHostSpec)) errors.push({ field: `spec.${key}`, reason: 'is not a BareMetalHost field' });
  }
  if (spec.firmware !== undefined) errors.push({ field: 'spec.firmware', reason: 'is deprecated: use HostFirmwareSettings resource instead' });

  const requireSecret = (field: string, name: string, keys: string[]): void => {
    const present = ctx.secrets.get(name);
    if (!present) {
      errors.push({ field, reason: `Secret ${namespace}/${name} not found (apply it in the same manifest set)` });
      return;
    }
    if (keys.length > 0 && !keys.some((k) => present.has(k))) {
      errors.push({ field, reason: `Secret ${namespace}/${name} has none of the keys ${keys.join(', ')}` });
    }
  };

  // bmc
  let bmc: BmcAddress | undefined;
  if (spec.bmc !== undefined) {
    if (!isObject(spec.bmc)) errors.push({ field: 'spec.bmc', reason: 'must be an object' });
    else {
      if (typeof spec.bmc.address !== 'string' || spec.bmc.address === '') {
        errors.push({ field: 'spec.bmc.address', reason: 'is required' });
      } else {
        try {
          bmc = parseBmcAddress(spec.bmc.address);
        } catch (err) {
          if (!(err instanceof BmcAddressError)) throw err;
          errors.push({ field: 'spec.bmc.address', reason: err.message });
        }
      }
      if (typeof spec.bmc.credentialsName !== 'string' || spec.bmc.credentialsName === '') {
        errors.push({ field: 'spec.bmc.credentialsName', reason: 'is required' });
      } else {
        requireSecret('spec.bmc.credentialsName', spec.bmc.credentialsName, []);
        const keys = ctx.secrets.get(spec.bmc.credentialsName);
        if (keys) {
          for (const k of ['username', 'password']) {
            if (!keys.has(k)) errors.push({ field: 'spec.bmc.credentialsName', reason: `Secret ${namespace}/${spec.bmc.credentialsName} is missing key "${k}"` });
          }
        }
      }
      const dcv = spec.bmc.disableCertificateVerification;
      if (dcv !== undefined && typeof dcv !== 'boolean') errors.push({ field: 'spec.bmc.disableCertificateVerification', reason: 'must be a boolean' });
    }
  }

  if (spec.online === undefined) errors.push({ field: 'spec.online', reason: 'is required' });
  else if (typeof spec.online !== 'boolean') errors.push({ field: 'spec.online', reason: 'must be a boolean' });

  if (spec.bootMACAddress !== undefined && (typeof spec.bootMACAddress !== 'string' || !MAC_RE.test(spec.bootMACAddress))) {
    errors.push({ field: 'spec.bootMACAddress', reason: 'must be a MAC address like 52:54:00:12:34:56' });
  }
  if (bmc?.driver === 'libvirt' && spec.bootMACAddress === undefined) {
    errors.push({ field: 'spec.bootMACAddress', reason: 'is required for libvirt:// BMC addresses' });
  }

  for (const key of ['externallyProvisioned', 'disablePowerOff'] as const) {
    if (spec[key] !== undefined && typeof spec[key] !== 'boolean') errors.push({ field: `spec.${key}`, reason: 'must be a boolean' });
  }
  if (spec.disablePowerOff === true && spec.online === false) {
    errors.push({ field: 'spec.disablePowerOff', reason: 'cannot be combined with online: false' });
  }
  enumField(spec, 'bootMode', BOOT_MODES, errors);
  enumField(spec, 'automatedCleaningMode', CLEANING_MODES, errors);
  enumField(spec, 'inspectionMode', INSPECTION_MODES, errors);
  // BMO's webhook: SupportsSecureBoot() is false for ipmi (and the removed libvirt driver), true for every Redfish scheme.
  if (spec.bootMode === 'UEFISecureBoot' && (bmc?.driver === 'ipmi' || bmc?.driver === 'libvirt')) {
    errors.push({ field: 'spec.bootMode', reason: `BMC driver ${bmc.scheme} does not support secure boot` });
  }
  if (spec.inspectionMode === 'fast' && (bmc?.driver === 'ipmi' || bmc?.driver === 'libvirt')) {
    errors.push({ field: 'spec.inspectionMode', reason: 'fast (out-of-band) inspection needs a Redfish BMC' });
  }
  if (bmc?.driver === 'fake') {
    try {
      parseFakeOptions(annotations, 0);
    } catch (err) {
      errors.push({ field: `metadata.annotations`, reason: `${(err as Error).message} (${Object.values(FakeAnnotation).join(', ')})` });
    }
  }
  const network = annotations[PROVISIONING_NETWORK_ANNOTATION];
  if (network !== undefined && !isValidProvisioningNetwork(network)) {
    errors.push({ field: `metadata.annotations.${PROVISIONING_NETWORK_ANNOTATION}`, reason: `"${network}" is not a network name (lowercase letters, digits and '-', at most 63)` });
  }
  const inspectAnnotation = annotations[INSPECT_ANNOTATION];
  if (inspectAnnotation === 'disabled' && spec.inspectionMode !== undefined && spec.inspectionMode !== 'disabled') {
    errors.push({ field: `metadata.annotations.${INSPECT_ANNOTATION}`, reason: `"disabled" contradicts spec.inspectionMode: ${String(spec.inspectionMode)}` });
  }
  errors.push(...validateHardwareDetailsAnnotation(annotations, spec.inspectionMode === 'disabled' || inspectAnnotation === 'disabled'));

  // image
  if (spec.image !== undefined && spec.image !== null) {
    if (!isObject(spec.image)) errors.push({ field: 'spec.image', reason: 'must be an object' });
    else validateImage(spec.image, errors);
  }
  if (spec.customDeploy !== undefined && (!isObject(spec.customDeploy) || typeof spec.customDeploy.method !== 'string' || spec.customDeploy.method === '')) {
    errors.push({ field: 'spec.customDeploy.method', reason: 'is required' });
  }

  // secret references
  for (const [field, keys] of [['userData', ['userData', 'value']], ['networkData', ['networkData']], ['metaData', ['metaData']]] as const) {
    const ref = spec[field];
    if (ref === undefined || ref === null) continue;
    if (!isObject(ref) || typeof ref.name !== 'string' || ref.name === '') {
      errors.push({ field: `spec.${field}.name`, reason: 'is required' });
      continue;
    }
    if (ref.namespace !== undefined && ref.namespace !== namespace) {
      errors.push({ field: `spec.${field}.namespace`, reason: `must be the host's namespace "${namespace}" (no cross-namespace Secret references)` });
      continue;
    }
    requireSecret(`spec.${field}`, ref.name, [...keys]);
  }
  if (spec.preprovisioningNetworkDataName !== undefined) {
    if (typeof spec.preprovisioningNetworkDataName !== 'string' || spec.preprovisioningNetworkDataName === '') {
      errors.push({ field: 'spec.preprovisioningNetworkDataName', reason: 'must be a Secret name' });
    } else requireSecret('spec.preprovisioningNetworkDataName', spec.preprovisioningNetworkDataName, ['networkData', 'nmstate']);
  }

  // root device hints
  if (spec.rootDeviceHints !== undefined && spec.rootDeviceHints !== null) {
    validateRootDeviceHints(spec.rootDeviceHints, 'spec.rootDeviceHints', errors);
  }

  // RAID
  if (spec.raid !== undefined && spec.raid !== null) validateRaid(spec.raid, bmc, spec.rootDeviceHints !== undefined, errors);
  return errors;
}

function enumField(spec: Record<string, unknown>, key: string, allowed: string[], errors: FieldError[]): void {
  const v = spec[key];
  if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) {
    errors.push({ field: `spec.${key}`, reason: `must be one of ${allowed.join(', ')}` });
  }
}

function validateImage(image: Record<string, unknown>, errors: FieldError[]): void {
  const url = image.url;
  if (typeof url !== 'string' || url === '') {
    errors.push({ field: 'spec.image.url', reason: 'is required' });
    return;
  }
  const oci = url.startsWith('oci://');
  if (!/^(https?|oci|file):\/\/\S+$/.test(url)) errors.push({ field: 'spec.image.url', reason: 'must be an http(s)://, oci:// or file:// URL' });
  const format = image.format;
  if (format !== undefined && (typeof format !== 'string' || !IMAGE_FORMATS.includes(format))) {
    errors.push({ field: 'spec.image.format', reason: `must be one of ${IMAGE_FORMATS.join(', ')}` });
  }
  const checksumType = image.checksumType;
  if (checksumType !== undefined && checksumType !== '' && (typeof checksumType !== 'string' || !CHECKSUM_TYPES.includes(checksumType))) {
    errors.push({ field: 'spec.image.checksumType', reason: `must be one of ${CHECKSUM_TYPES.join(', ')}` });
  }
  const checksum = image.checksum;
  if (oci) {
    if (checksum !== undefined && checksum !== '') errors.push({ field: 'spec.image.checksum', reason: 'must be empty for oci:// images' });
  } else if (format !== 'live-iso' && (typeof checksum !== 'string' || checksum === '')) {
    errors.push({ field: 'spec.image.checksum', reason: 'is required unless format is live-iso or the image is oci://' });
  } else if (typeof checksum === 'string' && checksum !== '' && !/^(https?|file):\/\//.test(checksum)) {
    const lengths: Record<string, number> = { md5: 32, sha256: 64, sha512: 128 };
    const want = typeof checksumType === 'string' ? lengths[checksumType] : undefined;
    if (!/^[0-9a-fA-F]+$/.test(checksum)) errors.push({ field: 'spec.image.checksum', reason: 'must be a hex digest or the URL of a checksum file' });
    else if (want !== undefined && checksum.length !== want) {
      errors.push({ field: 'spec.image.checksum', reason: `a ${String(checksumType)} digest has ${want} hex digits, got ${checksum.length}` });
    }
  }
  if (image.ociAuthSecretName !== undefined && !oci) errors.push({ field: 'spec.image.ociAuthSecretName', reason: 'is only valid for oci:// images' });
}

export function validateRootDeviceHints(hints: unknown, path: string, errors: FieldError[]): void {
  if (!isObject(hints)) {
    errors.push({ field: path, reason: 'must be an object' });
    return;
  }
  for (const [key, value] of Object.entries(hints)) {
    const field = `${path}.${key}`;
    if (HINT_STRING_FIELDS.includes(key)) {
      if (typeof value !== 'string' || value === '') errors.push({ field, reason: 'must be a non-empty string' });
    } else if (key === 'minSizeGigabytes') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) errors.push({ field, reason: 'must be a whole number of GiB, 0 or more' });
    } else if (key === 'rotational') {
      if (typeof value !== 'boolean') errors.push({ field, reason: 'must be a boolean' });
    } else {
      errors.push({ field, reason: `is not a root device hint (known: ${[...HINT_STRING_FIELDS, 'minSizeGigabytes', 'rotational'].join(', ')})` });
    }
  }
  const name = hints.deviceName;
  if (typeof name === 'string' && name !== '') {
    if (!name.startsWith('/dev/')) errors.push({ field: `${path}.deviceName`, reason: 'must start with /dev/' });
    else if (name.startsWith('/dev/disk/') && !name.startsWith('/dev/disk/by-path/')) {
      errors.push({ field: `${path}.deviceName`, reason: 'under /dev/disk/ only /dev/disk/by-path/ names are accepted' });
    }
  }
}

function validateRaid(raid: unknown, bmc: BmcAddress | undefined, hasRootHints: boolean, errors: FieldError[]): void {
  if (!isObject(raid)) {
    errors.push({ field: 'spec.raid', reason: 'must be an object' });
    return;
  }
  const hw = raid.hardwareRAIDVolumes;
  const sw = raid.softwareRAIDVolumes;
  const hwCount = Array.isArray(hw) ? hw.length : 0;
  const swCount = Array.isArray(sw) ? sw.length : 0;
  if (hwCount > 0 && swCount > 0) errors.push({ field: 'spec.raid', reason: 'set only one of hardwareRAIDVolumes and softwareRAIDVolumes' });
  if (hwCount > 0 && (bmc?.driver === 'ipmi' || bmc?.driver === 'libvirt')) {
    errors.push({ field: 'spec.raid.hardwareRAIDVolumes', reason: 'hardware RAID is not supported by the ipmi driver' });
  }
  if (Array.isArray(hw)) {
    hw.forEach((vol, i) => {
      if (!isObject(vol) || typeof vol.level !== 'string' || !HW_RAID_LEVELS.includes(vol.level)) {
        errors.push({ field: `spec.raid.hardwareRAIDVolumes[${i}].level`, reason: `must be one of ${HW_RAID_LEVELS.join(', ')}` });
      }
    });
  }
  if (Array.isArray(sw)) {
    if (sw.length > 2) errors.push({ field: 'spec.raid.softwareRAIDVolumes', reason: 'at most 2 volumes' });
    let rootVolumes = 0;
    sw.forEach((vol, i) => {
      const level = isObject(vol) ? vol.level : undefined;
      if (typeof level !== 'string' || !SW_RAID_LEVELS.includes(level)) {
        errors.push({ field: `spec.raid.softwareRAIDVolumes[${i}].level`, reason: `must be one of ${SW_RAID_LEVELS.join(', ')}` });
      } else if (i === 0 && level !== '1') {
        errors.push({ field: 'spec.raid.softwareRAIDVolumes[0].level', reason: 'the first software RAID volume must be RAID-1' });
      }
      if (isObject(vol) && vol.rootVolume === true) rootVolumes += 1;
    });
    if (rootVolumes > 1) errors.push({ field: 'spec.raid.softwareRAIDVolumes', reason: 'rootVolume may be set at most once' });
    if (rootVolumes > 0 && hasRootHints) errors.push({ field: 'spec.raid.softwareRAIDVolumes', reason: 'rootVolume cannot be combined with rootDeviceHints' });
  }
}

/** The host's namespace (Kubernetes default when unset). */
export function namespaceOf(host: Pick<BareMetalHost, 'metadata'>): string {
  return host.metadata.namespace || 'default';
}
