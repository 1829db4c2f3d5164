/**
 * HostFirmwareSettings, HostFirmwareComponents and HostUpdatePolicy documents (metal3.io/v1alpha1)
 * in a manifest: each belongs to the BareMetalHost of the same namespace and name, as in BMO, and
 * travels in that host's definition. `apply` replaces a host's definition whole, so they must be
 * applied together with their host (an orphan is refused, not silently kept for later).
 */
import { UPDATE_POLICIES, validateFirmwareUpdates, type FirmwareUpdate, type HostFirmwareSpec, type SettingValue } from './firmware.js';
import { validateObjectMeta, type FieldError } from './validate-host.js';

export const FIRMWARE_KINDS: ReadonlySet<string> = new Set(['HostFirmwareSettings', 'HostFirmwareComponents', 'HostUpdatePolicy']);
/** Most settings in one HostFirmwareSettings (a BIOS has at most a few thousand attributes). */
export const FIRMWARE_MAX_SETTINGS = 4096;
/** Most updates in one HostFirmwareComponents. */
export const FIRMWARE_MAX_UPDATES = 64;

export interface FirmwareDoc {
  label: string;
  kind: string;
  namespace: string;
  name: string;
  part: HostFirmwareSpec;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Validates one firmware document; undefined (with errors pushed) when invalid. */
export function parseFirmwareDoc(obj: Record<string, unknown>, label: string, errors: Array<FieldError & { document: string }>): FirmwareDoc | undefined {
  const fieldErrors: FieldError[] = [];
  validateObjectMeta(obj.metadata, fieldErrors);
  const spec = obj.spec ?? {};
  const kind = String(obj.kind);
  const part: HostFirmwareSpec = {};
  const known = kind === 'HostFirmwareSettings' ? ['settings'] : kind === 'HostFirmwareComponents' ? ['updates'] : ['firmwareSettings', 'firmwareUpdates'];
  if (!isMap(spec)) fieldErrors.push({ field: 'spec', reason: 'must be a map' });
  else {
    for (const k of Object.keys(spec)) if (!known.includes(k)) fieldErrors.push({ field: `spec.${k}`, reason: `unknown field (${kind} has ${known.map((f) => `spec.${f}`).join(', ')})` });
    if (kind === 'HostFirmwareSettings') part.settings = settingsOf(spec.settings, fieldErrors);
    if (kind === 'HostFirmwareComponents') part.updates = updatesOf(spec.updates, fieldErrors);
    if (kind === 'HostUpdatePolicy') part.updatePolicy = policyOf(spec, fieldErrors);
  }
  for (const e of fieldErrors) errors.push({ document: label, ...e });
  if (fieldErrors.length > 0) return undefined;
  const meta = obj.metadata as Record<string, unknown>;
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  return { label, kind, namespace, name: String(meta.name), part };
}

function policyOf(spec: Record<string, unknown>, errors: FieldError[]): NonNullable<HostFirmwareSpec['updatePolicy']> {
  const policy: NonNullable<HostFirmwareSpec['updatePolicy']> = {};
  for (const f of ['firmwareSettings', 'firmwareUpdates'] as const) {
    const v = spec[f];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || !(UPDATE_POLICIES as readonly string[]).includes(v)) {
      errors.push({ field: `spec.${f}`, reason: `Unsupported value: ${JSON.stringify(v)}: supported values: ${UPDATE_POLICIES.map((p) => `"${p}"`).join(', ')}` });
    } else policy[f] = v as (typeof UPDATE_POLICIES)[number];
  }
  return policy;
}

/**
 * The firmware part of a host definition as the workflow receives it (applySpec: a client may
 * skip the CLI): the same rules as the documents it comes from, fields under `firmware.`.
 */
export function validateFirmwarePart(firmware: unknown, errors: FieldError[]): void {
  if (firmware === undefined || firmware === null) return;
  if (!isMap(firmware)) {
    errors.push({ field: 'firmware', reason: 'must be a map' });
    return;
  }
  const found: FieldError[] = [];
  for (const k of Object.keys(firmware)) if (!['settings', 'updates', 'updatePolicy'].includes(k)) errors.push({ field: `firmware.${k}`, reason: 'unknown field' });
  if (firmware.settings !== undefined) settingsOf(firmware.settings, found);
  if (firmware.updates !== undefined) updatesOf(firmware.updates, found);
  const policy = firmware.updatePolicy;
  if (policy !== undefined && policy !== null) {
    if (!isMap(policy)) errors.push({ field: 'firmware.updatePolicy', reason: 'must be a map' });
    else {
      for (const k of Object.keys(policy)) if (k !== 'firmwareSettings' && k !== 'firmwareUpdates') errors.push({ field: `firmware.updatePolicy.${k}`, reason: 'unknown field' });
      const policyErrors: FieldError[] = [];
      policyOf(policy, policyErrors);
      for (const e of policyErrors) errors.push({ field: e.field.replace(/^spec\./, 'firmware.updatePolicy.'), reason: e.reason });
    }
  }
  for (const e of found) errors.push({ field: e.field.replace(/^spec\./, 'firmware.'), reason: e.reason });
}

function settingsOf(v: unknown, errors: FieldError[]): Record<string, SettingValue> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) {
    errors.push({ field: 'spec.settings', reason: 'must be a map of setting name to value' });
    return {};
  }
  const entries = Object.entries(v);
  if (entries.length > FIRMWARE_MAX_SETTINGS) errors.push({ field: 'spec.settings', reason: `has ${entries.length} settings, more than ${FIRMWARE_MAX_SETTINGS}` });
  const out: Record<string, SettingValue> = {};
  for (const [k, x] of entries) {
    // IntOrString, as BMO's spec.settings.
    if (typeof x === 'string' || (typeof x === 'number' && Number.isInteger(x))) out[k] = x;
    else errors.push({ field: `spec.settings.${k}`, reason: 'must be a string or an integer' });
  }
  return out;
}

function updatesOf(v: unknown, errors: FieldError[]): FirmwareUpdate[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errors.push({ field: 'spec.updates', reason: 'must be a list of {component, url}' });
    return [];
  }
  if (v.length > FIRMWARE_MAX_UPDATES) errors.push({ field: 'spec.updates', reason: `has ${v.length} updates, more than ${FIRMWARE_MAX_UPDATES}` });
  const out: FirmwareUpdate[] = [];
  v.forEach((u, i) => {
    if (!isMap(u) || typeof u.component !== 'string' || typeof u.url !== 'string') {
      errors.push({ field: `spec.updates[${i}]`, reason: 'must have component and url (strings)' });
      return;
    }
    for (const k of Object.keys(u)) if (k !== 'component' && k !== 'url') errors.push({ field: `spec.updates[${i}].${k}`, reason: 'unknown field' });
    out.push({ component: u.component, url: u.url });
  });
  for (const reason of validateFirmwareUpdates(out)) {
    const at = reason.indexOf(': ');
    errors.push({ field: reason.slice(0, at), reason: reason.slice(at + 2) });
  }
  return out;
}

/**
 * Attaches each firmware document to its host (same namespace and name); returns the firmware part
 * per host key `<namespace>/<name>`. A document without a host in this apply, or a second one of
 * the same kind for a host, is an error.
 */
export function attachFirmware(docs: readonly FirmwareDoc[], hostKeys: ReadonlySet<string>, errors: Array<FieldError & { document: string }>): Map<string, HostFirmwareSpec> {
  const out = new Map<string, HostFirmwareSpec>();
  const seen = new Set<string>();
  for (const d of docs) {
    const key = `${d.namespace}/${d.name}`;
    if (!hostKeys.has(key)) {
      errors.push({ document: d.label, field: 'metadata.name', reason: `no BareMetalHost ${key} in this apply; apply it with its BareMetalHost (apply replaces a host's definition whole)` });
      continue;
    }
    if (seen.has(`${d.kind} ${key}`)) {
      errors.push({ document: d.label, field: 'metadata.name', reason: 'appears more than once' });
      continue;
    }
    seen.add(`${d.kind} ${key}`);
    out.set(key, { ...(out.get(key) ?? {}), ...d.part });
  }
  return out;
}
