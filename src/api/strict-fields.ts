/**
 * Strict decoding, as kube-apiserver's strict field validation (kubectl's default since 1.27) does
 * for metal3.io/v1alpha1 and v1: a key the API type does not have is an error, at every level,
 * instead of being stored and never read. The shapes list the JSON keys of BMO's Go types
 * (apis/metal3.io/v1alpha1/baremetalhost_types.go) and of the Kubernetes core types they embed.
 * Only keys are checked here; values are the validators' business.
 */
import type { FieldError } from './validate-host.js';

/** `'any'`: not checked below (a leaf, or a free map such as labels); an array: a list of that shape. */
export type Shape = 'any' | readonly [Shape] | { readonly [key: string]: Shape };

const leaves = (...keys: string[]): Record<string, Shape> => Object.fromEntries(keys.map((k) => [k, 'any' as const]));

export const UNKNOWN_FIELD = 'unknown field';

/** metav1.ObjectMeta: what a user writes plus what the server fills in (an export carries them). */
export const OBJECT_META: Shape = leaves(
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
);

const ROOT_DEVICE_HINTS: Shape = leaves('deviceName', 'hctl', 'model', 'vendor', 'serialNumber', 'minSizeGigabytes', 'wwn', 'wwnWithExtension', 'wwnVendorExtension', 'rotational');
const SECRET_REFERENCE: Shape = leaves('name', 'namespace');

const BMH_SPEC: Shape = {
  ...leaves('bootMACAddress', 'online', 'preprovisioningNetworkDataName', 'description', 'externallyProvisioned', 'automatedCleaningMode', 'architecture', 'disablePowerOff', 'inspectionMode', 'bootMode', 'hardwareProfile'),
  taints: [leaves('key', 'value', 'effect', 'timeAdded')],
  bmc: leaves('address', 'credentialsName', 'disableCertificateVerification'),
  raid: {
    hardwareRAIDVolumes: [leaves('sizeGibibytes', 'level', 'name', 'rotational', 'numberOfPhysicalDisks', 'controller', 'physicalDisks')],
    softwareRAIDVolumes: [{ ...leaves('rootVolume', 'sizeGibibytes', 'level'), physicalDisks: [ROOT_DEVICE_HINTS] }],
  },
  firmware: leaves('virtualizationEnabled', 'simultaneousMultithreadingEnabled', 'sriovEnabled'),
  rootDeviceHints: ROOT_DEVICE_HINTS,
  consumerRef: leaves('kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'),
  image: leaves('url', 'checksum', 'checksumType', 'format', 'ociAuthSecretName'),
  userData: SECRET_REFERENCE,
  networkData: SECRET_REFERENCE,
  metaData: SECRET_REFERENCE,
  customDeploy: leaves('method'),
  networkInterfaces: [{ ...leaves('name', 'macAddress'), hostNetworkAttachment: leaves('name', 'namespace'), switchPort: leaves('switchID', 'portID') }],
};

/** A BareMetalHost document. `status` is read by adoption, which validates it; not checked here. */
export const BARE_METAL_HOST: Shape = { ...leaves('apiVersion', 'kind', 'status'), metadata: OBJECT_META, spec: BMH_SPEC };

/** A v1 Secret document. */
export const SECRET: Shape = { ...leaves('apiVersion', 'kind', 'data', 'stringData', 'type', 'immutable'), metadata: OBJECT_META };

/** A v1 List (`kubectl get -o yaml` of several objects); items are checked as documents of their kind. */
export const LIST: Shape = { ...leaves('apiVersion', 'kind', 'items'), metadata: leaves('resourceVersion', 'continue', 'remainingItemCount', 'selfLink') };

/** The keys of `value` its shape does not have, as `path.key: unknown field` (paths relative to the document). */
export function unknownFields(value: unknown, shape: Shape, path = ''): FieldError[] {
  if (shape === 'any' || value === null || typeof value !== 'object') return [];
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [];
    return value.flatMap((item, i) => unknownFields(item, shape[0], `${path}[${i}]`));
  }
  if (Array.isArray(value)) return [];
  const known = shape as { readonly [key: string]: Shape };
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const field = path === '' ? key : `${path}.${key}`;
    const inner = Object.hasOwn(known, key) ? known[key] : undefined;
    return inner === undefined ? [{ field, reason: UNKNOWN_FIELD }] : unknownFields(child, inner, field);
  });
}
