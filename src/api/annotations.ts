/**
 * BMO's host annotations, read as BMO reads them (baremetalhost_controller.go, annotations.go,
 * host_state_machine.go). Pure: the workflow derives its flags from a definition's annotations
 * with these, and apply validates the hardware details with them.
 */
import type { FieldError } from './validate-host.js';
import type { HardwareDetails, RebootMode } from './types.js';

export const Annotation = {
  inspect: 'inspect.metal3.io',
  hardwareDetails: 'inspect.metal3.io/hardwaredetails',
  reboot: 'reboot.metal3.io',
  detached: 'baremetalhost.metal3.io/detached',
  paused: 'baremetalhost.metal3.io/paused',
  status: 'baremetalhost.metal3.io/status',
} as const;

type Annotations = Readonly<Record<string, string>>;

const has = (a: Annotations, key: string): boolean => Object.prototype.hasOwnProperty.call(a, key);

/** `inspect.metal3.io` with any value but `disabled` (BMO inspectionRefreshRequested). */
export function inspectionRefreshRequested(a: Annotations): boolean {
  return has(a, Annotation.inspect) && a[Annotation.inspect] !== 'disabled';
}

export function pausedByAnnotation(a: Annotations): boolean {
  return has(a, Annotation.paused);
}

export function isRebootAnnotation(key: string): boolean {
  return key === Annotation.reboot || key.startsWith(`${Annotation.reboot}/`);
}

/**
 * An annotation's JSON object value, as Go's json.Unmarshal into BMO's struct reads it (`null` is an
 * empty object), or the reason it is not one. Apply-time checks and the workflow read values with it.
 */
export function annotationObject(value: string): Record<string, unknown> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    return (err as Error).message;
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return 'must be a JSON object';
  return parsed as Record<string, unknown>;
}

export interface RebootRequest {
  /** Hard if any counted annotation asks for it (BMO honours every hard request). */
  mode: RebootMode;
  /** The counted annotations' keys, sorted. */
  keys: string[];
  /** BMO's InvalidAnnotationValue events for values that are not JSON. */
  notes: string[];
}

/**
 * BMO hasRebootAnnotation: every `reboot.metal3.io` and `reboot.metal3.io/<key>` annotation, or
 * only those with `"force": true` (outside the provisioned states). Undefined when none counts.
 */
export function rebootRequest(a: Annotations, forceOnly: boolean): RebootRequest | undefined {
  const keys: string[] = [];
  const notes: string[] = [];
  let mode: RebootMode = 'soft';
  for (const key of Object.keys(a).filter(isRebootAnnotation).sort()) {
    const value = a[key] ?? '';
    const parsed = value === '' ? {} : annotationObject(value);
    if (typeof parsed === 'string') notes.push(`could not parse reboot annotation (${value}) - invalid json, assuming soft-reboot`);
    const args = typeof parsed === 'string' ? {} : parsed;
    if (forceOnly && args.force !== true) continue;
    keys.push(key);
    if (args.mode === 'hard') mode = 'hard';
  }
  return keys.length > 0 ? { mode, keys, notes } : undefined;
}

export interface DetachArguments {
  force: boolean;
  deleteAction: 'delete' | 'delay';
}

/**
 * BMO getDetachedAnnotation: `""` or `{"deleteAction":"delete"|"delay","force":bool}`. A value
 * that is not such JSON still detaches (BMO documents that the value can be anything) with the
 * defaults, and a note.
 */
export function detachArguments(a: Annotations): { args: DetachArguments; note?: string } | undefined {
  if (!has(a, Annotation.detached)) return undefined;
  const value = a[Annotation.detached] ?? '';
  const args: DetachArguments = { force: false, deleteAction: 'delete' };
  if (value === '') return { args };
  const parsed = annotationObject(value);
  if (typeof parsed === 'string') return { args, note: `ignoring detached annotation value: unable to parse the content of the detached annotation: ${parsed}` };
  if (parsed.force === true) args.force = true;
  if (parsed.deleteAction === 'delay') args.deleteAction = 'delay';
  return { args };
}

// ---- inspect.metal3.io/hardwaredetails: strict decoding (BMO uses DisallowUnknownFields)

type Shape = 'string' | 'number' | 'integer' | 'boolean' | { enum: readonly string[] } | { array: Shape } | { object: Record<string, Shape>; required?: readonly string[] };

/** BMO's HardwareDetails (apis/metal3.io/v1alpha1/hardwaredata_types.go), its JSON keys exactly: every field is omitempty. */
const HARDWARE_SHAPE: Shape = {
  object: {
    systemVendor: { object: { manufacturer: 'string', productName: 'string', serialNumber: 'string' } },
    firmware: { object: { bios: { object: { date: 'string', vendor: 'string', version: 'string' } } } },
    ramMebibytes: 'integer',
    nics: {
      array: {
        object: {
          name: 'string',
          model: 'string',
          mac: 'string',
          ip: 'string',
          speedGbps: 'integer',
          vlans: { array: { object: { id: 'integer', name: 'string' } } },
          vlanId: 'integer',
          pxe: 'boolean',
          lldp: { object: { switchID: 'string', portID: 'string', switchSystemName: 'string' } },
          pciAddress: 'string',
        },
      },
    },
    storage: {
      array: {
        object: {
          name: 'string',
          alternateNames: { array: 'string' },
          rotational: 'boolean',
          type: { enum: ['HDD', 'SSD', 'NVME'] },
          sizeBytes: 'integer',
          vendor: 'string',
          model: 'string',
          serialNumber: 'string',
          wwn: 'string',
          wwnVendorExtension: 'string',
          wwnWithExtension: 'string',
          hctl: 'string',
        },
      },
    },
    cpu: { object: { arch: 'string', model: 'string', clockMegahertz: 'number', flags: { array: 'string' }, count: 'integer' } },
    hostname: 'string',
  },
};

/** Bytes of annotation value decoded at most (a hardware inventory is a few KiB; Kubernetes caps all annotations at 256 KiB). */
export const MAX_HARDWARE_DETAILS_BYTES = 256 * 1024;

function checkShape(value: unknown, shape: Shape, path: string): string | undefined {
  const at = path === '' ? '' : ` at ${path}`;
  if (value === null) return undefined; // JSON null decodes to the zero value, as in Go
  if (shape === 'string') return typeof value === 'string' ? undefined : `json: cannot unmarshal ${jsonType(value)} into a string${at}`;
  if (shape === 'boolean') return typeof value === 'boolean' ? undefined : `json: cannot unmarshal ${jsonType(value)} into a bool${at}`;
  if (shape === 'number') return typeof value === 'number' ? undefined : `json: cannot unmarshal ${jsonType(value)} into a number${at}`;
  if (shape === 'integer') return typeof value === 'number' && Number.isInteger(value) ? undefined : `json: cannot unmarshal ${jsonType(value)} into an integer${at}`;
  if ('enum' in shape) return typeof value === 'string' && shape.enum.includes(value) ? undefined : `${path}: ${JSON.stringify(value)} is not one of ${shape.enum.join(', ')}`;
  if ('array' in shape) {
    if (!Array.isArray(value)) return `json: cannot unmarshal ${jsonType(value)} into an array${at}`;
    for (const [i, item] of value.entries()) {
      const err = checkShape(item, shape.array, `${path}[${i}]`);
      if (err) return err;
    }
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return `json: cannot unmarshal ${jsonType(value)} into an object${at}`;
  const obj = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(obj)) {
    const sub = shape.object[key];
    if (!sub) return `json: unknown field "${key}"${at}`;
    const err = checkShape(item, sub, path === '' ? key : `${path}.${key}`);
    if (err) return err;
  }
  for (const key of shape.required ?? []) if (obj[key] === undefined || obj[key] === null) return `missing field "${key}"${at}`;
  return undefined;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

export class HardwareDetailsAnnotationError extends Error {}

/** Decodes the annotation strictly; throws with BMO's text `error decoding the ... annotation: <why>`. */
export function parseHardwareDetails(value: string): HardwareDetails {
  const fail = (why: string): never => {
    throw new HardwareDetailsAnnotationError(`error decoding the ${Annotation.hardwareDetails} annotation: ${why}`);
  };
  if (value.length > MAX_HARDWARE_DETAILS_BYTES) fail(`longer than ${MAX_HARDWARE_DETAILS_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    return fail((err as Error).message);
  }
  const err = checkShape(parsed, HARDWARE_SHAPE, '');
  if (err) fail(err);
  return normaliseHardwareDetails(parsed);
}

/** Why `value` is not BMO's HardwareDetails (Go's json text, path relative to it), or undefined. */
export function hardwareDetailsError(value: unknown): string | undefined {
  return checkShape(value, HARDWARE_SHAPE, '');
}

/**
 * A checked HardwareDetails as ours: nulls dropped, and the NIC and disk fields our code reads (BMO
 * omits them when empty) set to Go's zero values, as BMO decodes them.
 */
export function normaliseHardwareDetails(checked: unknown): HardwareDetails {
  const hw = dropNulls(checked) as HardwareDetails;
  if (hw.nics) hw.nics = hw.nics.map((n) => ({ ...n, name: n.name ?? '', mac: n.mac ?? '' }));
  if (hw.storage) hw.storage = hw.storage.map((d) => ({ ...d, name: d.name ?? '', sizeBytes: d.sizeBytes ?? 0 }));
  return hw;
}

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
}

/** BMO's webhook rule for the annotation (validateHwdDetailsAnnotation): only with inspection disabled, strict JSON. */
export function validateHardwareDetailsAnnotation(a: Annotations, inspectionDisabled: boolean): FieldError[] {
  const value = a[Annotation.hardwareDetails];
  if (value === undefined || value === '') return [];
  const field = `metadata.annotations.${Annotation.hardwareDetails}`;
  if (!inspectionDisabled) {
    return [{ field, reason: 'when hardware details are provided, inspection must be disabled (either via inspect.metal3.io annotation or inspectionMode field)' }];
  }
  try {
    parseHardwareDetails(value);
    return [];
  } catch (err) {
    return [{ field, reason: (err as Error).message }];
  }
}

// ---- `metalflow annotate` (kubectl annotate's argument rules)

export interface AnnotationEdit {
  key: string;
  /** Undefined: remove (`key-`). */
  value?: string;
}

export class AnnotationEditError extends Error {}

/** `key=value` sets (the value may be empty), `key-` removes, as kubectl annotate. */
export function parseAnnotationEdits(args: readonly string[]): AnnotationEdit[] {
  const edits: AnnotationEdit[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq > 0) edits.push({ key: arg.slice(0, eq), value: arg.slice(eq + 1) });
    else if (eq < 0 && arg.endsWith('-') && arg.length > 1) edits.push({ key: arg.slice(0, -1) });
    else throw new AnnotationEditError(`invalid annotation format: ${arg}`);
  }
  const set = new Set(edits.filter((e) => e.value !== undefined).map((e) => e.key));
  const both = edits.find((e) => e.value === undefined && set.has(e.key));
  if (both) throw new AnnotationEditError(`can not both modify and remove the annotation ${both.key} in the same command`);
  return edits;
}

/** The annotations after the edits; an existing key is only replaced with `overwrite` (kubectl --overwrite). */
export function applyAnnotationEdits(current: Annotations, edits: readonly AnnotationEdit[], overwrite: boolean): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const e of edits) {
    if (e.value === undefined) {
      delete next[e.key];
      continue;
    }
    if (!overwrite && has(current, e.key)) throw new AnnotationEditError(`'${e.key}' already has a value (${current[e.key] ?? ''}), and --overwrite is false`);
    next[e.key] = e.value;
  }
  return next;
}
