/**
 * BareMetalHost validation: the CRD schema rules plus BMO's admission webhook rules
 * (baremetalhost_validation.go). Pure and dependency-free, so the CLI (before anything is sent)
 * and the host workflow's `applySpec` validator run the very same checks.
 */
import { PROVISIONING_NETWORK_ANNOTATION, isValidProvisioningNetwork } from './provisioning-network.js';
import { BmcAddressError, driverType, parseBmcAddress, type BmcAddress } from './bmc-address.js';
import type { BareMetalHost } from './types.js';
import { FakeAnnotation, parseFakeOptions } from './fake-annotations.js';
import { inspectionDisabled, validateMetal3Annotations } from './annotation-rules.js';
import { BARE_METAL_HOST, unknownFields } from './strict-fields.js';
import { validateRaid } from './raid-rules.js';
import { validateRootDeviceHints } from './root-device-hints.js';
import { HARDWARE_PROFILES } from './hardware-profile.js';

import { validateStatusAnnotation } from './imported-status.js';
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
/** What Go's uuid.Parse accepts among valid names: the dashed form and 32 bare hex digits. */
const UUID_RE = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$/;
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

const CHECKSUM_TYPES = ['md5', 'sha256', 'sha512', 'auto'];
const IMAGE_FORMATS = ['raw', 'qcow2', 'vdi', 'vmdk', 'live-iso'];
const BOOT_MODES = ['UEFI', 'UEFISecureBoot', 'legacy'];
const CLEANING_MODES = ['metadata', 'disabled'];
const INSPECTION_MODES = ['disabled', 'agent', 'fast'];
/** The CPU architectures an agent ramdisk exists for (the stock IPA ramdisk is x86_64). */
export const AGENT_ARCHITECTURES: readonly string[] = ['x86_64'];
/** Drivers with no out-of-band inspection (BMO: InspectInterface() == ""); the fake driver has none either. */
const NO_OOB_INSPECTION = new Set(['ipmi', 'libvirt', 'fake']);
/** Drivers that cannot switch secure boot (BMO: SupportsSecureBoot() false; the fake driver has no setSecureBoot). */
const NO_SECURE_BOOT = new Set(['ipmi', 'libvirt', 'fake']);

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
      continue;
    }
    for (const [k, v] of Object.entries(map as Record<string, string>)) {
      for (const why of qualifiedNameErrors(k)) errors.push({ field: `metadata.${key}`, reason: `Invalid value: ${JSON.stringify(k)}: ${why}` });
      if (key === 'labels') for (const why of labelValueErrors(v)) errors.push({ field: 'metadata.labels', reason: `Invalid value: ${JSON.stringify(v)}: ${why}` });
    }
    const bytes = Object.entries(map as Record<string, string>).reduce((n, [k, v]) => n + utf8Length(k) + utf8Length(v), 0);
    const cap = key === 'annotations' ? MAX_ANNOTATIONS_TOTAL_BYTES : MAX_LABELS_TOTAL_BYTES;
    if (bytes > cap) errors.push({ field: `metadata.${key}`, reason: `Too long: must have at most ${cap} bytes` });
  }
}

/** Kubernetes (apimachinery ValidateAnnotations): all annotation keys and values together, in bytes. */
export const MAX_ANNOTATIONS_TOTAL_BYTES = 256 * 1024;
/**
 * Ours (Kubernetes caps each label's key and value but not their total): every label is copied into
 * the BmhView memo that each visibility list returns, so their total is bounded here, at apply.
 * 16 KiB is about 130 labels of the longest plain keys and values.
 */
export const MAX_LABELS_TOTAL_BYTES = 16 * 1024;
/** Kubernetes IsQualifiedName: the name part of an annotation or label key. */
export const MAX_QUALIFIED_NAME_LENGTH = 63;
/** Kubernetes IsQualifiedName: the DNS subdomain prefix of a key. */
export const MAX_KEY_PREFIX_LENGTH = 253;
/** Kubernetes IsValidLabelValue. */
export const MAX_LABEL_VALUE_LENGTH = 63;

const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_PART = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** UTF-8 bytes of a string (no Buffer/TextEncoder: this module also runs in workflow code). */
export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Kubernetes IsQualifiedName, with its texts. */
function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) return [`a qualified name ${NAME_PART} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  const errs: string[] = [];
  const name = parts.length === 2 ? (parts[1] ?? '') : key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') errs.push('prefix part must be non-empty');
    else if (prefix.length > MAX_KEY_PREFIX_LENGTH) errs.push(`prefix part must be no more than ${MAX_KEY_PREFIX_LENGTH} characters`);
    else if (!DNS_SUBDOMAIN_RE.test(prefix)) errs.push("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (name.length > MAX_QUALIFIED_NAME_LENGTH) errs.push(`name part must be no more than ${MAX_QUALIFIED_NAME_LENGTH} characters`);
  else if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${NAME_PART}`);
  return errs;
}

/** Kubernetes IsValidLabelValue, with its texts. */
function labelValueErrors(value: string): string[] {
  if (value.length > MAX_LABEL_VALUE_LENGTH) return [`must be no more than ${MAX_LABEL_VALUE_LENGTH} characters`];
  if (value !== '' && !QUALIFIED_NAME_RE.test(value)) return [`a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`];
  return [];
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
    if (!NAME_RE.test(meta.name)) errors.push({ field: 'metadata.name', reason: 'BareMetalHost resource name cannot contain characters other than [A-Za-z0-9._-]' });
    else if (UUID_RE.test(meta.name)) errors.push({ field: 'metadata.name', reason: 'BareMetalHost resource name cannot be a UUID' });
  }
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  const annotations = isObject(meta.annotations) ? (meta.annotations as Record<string, string>) : {};

  errors.push(...unknownFields(obj, BARE_METAL_HOST));
  if (meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null) {
    errors.push({ field: 'metadata.deletionTimestamp', reason: 'the host was being deleted when exported; not adopted' });
  }

  const spec = obj.spec;
  if (!isObject(spec)) {
    errors.push({ field: 'spec', reason: 'is required' });
    return errors;
  }
  if (spec.firmware !== undefined && spec.firmware !== null) {
    errors.push({ field: 'spec.firmware', reason: 'the Firmware field is no longer supported, use HostFirmwareSettings resource instead' });
  }
  validateUnsupported(spec, errors);

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

  // bmc: both address and credentialsName empty means no BMC, an unmanaged host (BMO HasBMCDetails).
  let bmc: BmcAddress | undefined;
  if (spec.bmc !== undefined && spec.bmc !== null) {
    if (!isObject(spec.bmc)) errors.push({ field: 'spec.bmc', reason: 'must be an object' });
    else {
      const { address, credentialsName } = spec.bmc;
      const unset = (v: unknown): boolean => v === undefined || v === null || v === '';
      const hasAddress = !unset(address);
      const hasCredentials = !unset(credentialsName);
      if (hasAddress && typeof address !== 'string') errors.push({ field: 'spec.bmc.address', reason: 'must be a string' });
      else if (!hasAddress && hasCredentials) {
        errors.push({ field: 'spec.bmc.address', reason: 'is required when bmc.credentialsName is set (leave both empty for an unmanaged host)' });
      } else if (typeof address === 'string' && hasAddress) {
        try {
          bmc = parseBmcAddress(address);
        } catch (err) {
          if (!(err instanceof BmcAddressError)) throw err;
          errors.push({ field: 'spec.bmc.address', reason: err.message });
        }
      }
      if (hasCredentials && typeof credentialsName !== 'string') errors.push({ field: 'spec.bmc.credentialsName', reason: 'must be a string' });
      else if (hasAddress && !hasCredentials) {
        errors.push({ field: 'spec.bmc.credentialsName', reason: 'is required when bmc.address is set (leave both empty for an unmanaged host)' });
      } else if (typeof credentialsName === 'string' && hasCredentials) {
        requireSecret('spec.bmc.credentialsName', credentialsName, []);
        const keys = ctx.secrets.get(credentialsName);
        if (keys) {
          for (const k of ['username', 'password']) {
            if (!keys.has(k)) errors.push({ field: 'spec.bmc.credentialsName', reason: `Secret ${namespace}/${credentialsName} is missing key "${k}"` });
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
  // BMO validateBMCAccess: NeedsMAC() (libvirt) or inspection disabled; virtual media included.
  if (bmc && (bmc.driver === 'libvirt' || inspectionDisabled(annotations, spec.inspectionMode)) && !spec.bootMACAddress) {
    errors.push({ field: 'spec.bootMACAddress', reason: `BMC driver ${driverType(bmc)} requires a BootMACAddress value` });
  }

  for (const key of ['externallyProvisioned', 'disablePowerOff'] as const) {
    if (spec[key] !== undefined && typeof spec[key] !== 'boolean') errors.push({ field: `spec.${key}`, reason: 'must be a boolean' });
  }
  if (spec.disablePowerOff === true && spec.online === false) {
    errors.push({ field: 'spec.disablePowerOff', reason: "node can't simultaneously have online set to false and have power off disabled" });
  }
  enumField(spec, 'bootMode', BOOT_MODES, errors);
  enumField(spec, 'automatedCleaningMode', CLEANING_MODES, errors);
  enumField(spec, 'inspectionMode', INSPECTION_MODES, errors);
  if (spec.bootMode === 'UEFISecureBoot' && bmc && NO_SECURE_BOOT.has(bmc.driver)) {
    errors.push({ field: 'spec.bootMode', reason: `BMC driver ${driverType(bmc)} does not support secure boot` });
  }
  if (spec.inspectionMode === 'fast' && bmc && NO_OOB_INSPECTION.has(bmc.driver)) {
    errors.push({ field: 'spec.inspectionMode', reason: `BMC driver ${driverType(bmc)} does not support fast (out-of-band) inspection` });
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
  errors.push(...validateMetal3Annotations(annotations, spec.inspectionMode));
  errors.push(...validateStatusAnnotation(annotations));
  errors.push(...validateHardwareDetailsAnnotation(annotations, inspectionDisabled(annotations, spec.inspectionMode)));

  // image
  if (spec.image !== undefined && spec.image !== null) {
    if (!isObject(spec.image)) errors.push({ field: 'spec.image', reason: 'must be an object' });
    else validateImage(spec.image, errors);
  }
  // No driver here runs custom deploy steps: refused at apply instead of failing in provisioning.
  if (spec.customDeploy !== undefined && spec.customDeploy !== null) {
    errors.push({ field: 'spec.customDeploy', reason: `custom deploy steps are not supported (BMC driver ${bmc ? driverType(bmc) : 'none'})` });
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
      errors.push({ field: `spec.${field}.namespace`, reason: 'cross-namespace Secret references are not allowed' });
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
  if (image.ociAuthSecretName !== undefined && image.ociAuthSecretName !== null) {
    errors.push({ field: 'spec.image.ociAuthSecretName', reason: 'oci:// images are not supported' });
  }
  const url = image.url;
  if (typeof url !== 'string' || url === '') {
    errors.push({ field: 'spec.image.url', reason: 'is required' });
    return;
  }
  // The stock agent (IPA 13.0.0) downloads image URLs over HTTP(S) only; Ironic resolves oci:// before it.
  if (url.toLowerCase().startsWith('oci://')) {
    errors.push({ field: 'spec.image.url', reason: 'oci:// images are not supported (resolve the image to an https:// URL)' });
    return;
  }
  if (!/^(https?|file):\/\/\S+$/.test(url)) errors.push({ field: 'spec.image.url', reason: 'must be an http(s):// or file:// URL' });
  const format = image.format;
  if (format !== undefined && (typeof format !== 'string' || !IMAGE_FORMATS.includes(format))) {
    errors.push({ field: 'spec.image.format', reason: `must be one of ${IMAGE_FORMATS.join(', ')}` });
  }
  const checksumType = image.checksumType;
  if (checksumType !== undefined && checksumType !== '' && (typeof checksumType !== 'string' || !CHECKSUM_TYPES.includes(checksumType))) {
    errors.push({ field: 'spec.image.checksumType', reason: `must be one of ${CHECKSUM_TYPES.join(', ')}` });
  }
  const checksum = image.checksum;
  if (format !== 'live-iso' && (typeof checksum !== 'string' || checksum === '')) {
    errors.push({ field: 'spec.image.checksum', reason: 'is required unless format is live-iso' });
  } else if (typeof checksum === 'string' && checksum !== '' && !/^(https?|file):\/\//.test(checksum)) {
    const lengths: Record<string, number> = { md5: 32, sha256: 64, sha512: 128 };
    const want = typeof checksumType === 'string' ? lengths[checksumType] : undefined;
    if (!/^[0-9a-fA-F]+$/.test(checksum)) errors.push({ field: 'spec.image.checksum', reason: 'must be a hex digest or the URL of a checksum file' });
    else if (want !== undefined && checksum.length !== want) {
      errors.push({ field: 'spec.image.checksum', reason: `a ${String(checksumType)} digest has ${want} hex digits, got ${checksum.length}` });
    }
  }
}

/** Fields of the API that metalflow does not implement: refused with the reason, never stored and ignored. */
function validateUnsupported(spec: Record<string, unknown>, errors: FieldError[]): void {
  const { taints, hardwareProfile, architecture, networkInterfaces } = spec;
  if (taints !== undefined && taints !== null) {
    if (!Array.isArray(taints)) errors.push({ field: 'spec.taints', reason: 'must be a list' });
    else if (taints.length > 0) errors.push({ field: 'spec.taints', reason: 'deprecated in BMO and never implemented; not supported' });
  }
  if (hardwareProfile !== undefined && hardwareProfile !== '' && (typeof hardwareProfile !== 'string' || !HARDWARE_PROFILES.includes(hardwareProfile))) {
    errors.push({ field: 'spec.hardwareProfile', reason: `no hardware profile named "${String(hardwareProfile)}" (BMO profiles: ${HARDWARE_PROFILES.join(', ')})` });
  }
  if (architecture !== undefined && architecture !== '' && (typeof architecture !== 'string' || !AGENT_ARCHITECTURES.includes(architecture))) {
    errors.push({ field: 'spec.architecture', reason: `${String(architecture)}: no agent ramdisk for this architecture (only ${AGENT_ARCHITECTURES.join(', ')})` });
  }
  if (networkInterfaces !== undefined && networkInterfaces !== null) {
    if (!Array.isArray(networkInterfaces)) errors.push({ field: 'spec.networkInterfaces', reason: 'must be a list' });
    else if (networkInterfaces.length > 0) {
      validateNetworkInterfaces(networkInterfaces, errors);
      errors.push({ field: 'spec.networkInterfaces', reason: 'switch and network attachment configuration is not supported' });
    }
  }
}

/** BMO validateNetworkInterfaces: its per-item texts, so a Metal3 manifest gets the messages it would get there. */
function validateNetworkInterfaces(items: unknown[], errors: FieldError[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const field = `spec.networkInterfaces[${i}]`;
    const name = isObject(item) && typeof item.name === 'string' ? item.name : '';
    const mac = isObject(item) && typeof item.macAddress === 'string' ? item.macAddress : '';
    if (name === '' && mac === '') {
      errors.push({ field, reason: 'must specify either name or macAddress' });
      return;
    }
    if (name !== '' && mac !== '') {
      errors.push({ field, reason: 'name and macAddress are mutually exclusive' });
      return;
    }
    const key = name || mac;
    if (seen.has(key.toLowerCase())) errors.push({ field, reason: `duplicate interface selector for "${key}"` });
    seen.add(key.toLowerCase());
  });
}

/** The host's namespace (Kubernetes default when unset). */
export function namespaceOf(host: Pick<BareMetalHost, 'metadata'>): string {
  return host.metadata.namespace || 'default';
}
