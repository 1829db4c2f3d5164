/**
 * A BareMetalHost `status` brought along from Metal3 (`kubectl get bmh -o yaml`, or the
 * baremetalhost.metal3.io/status annotation that BMO restores from, reconcileHostData): validated
 * strictly, as BMO decodes it (DisallowUnknownFields), and reduced to what adoption keeps. A host
 * adopted from it is registered and checked, never inspected, cleaned or re-imaged. Pure.
 */
import { ErrorType, OperationalStatus, ProvisioningState as S, type BareMetalHostSpec, type BareMetalHostStatus, type Image, type ProvisioningState } from './types.js';
import { Annotation, hardwareDetailsError, normaliseHardwareDetails } from './annotations.js';
import { validateRaid } from './raid-rules.js';
import type { FieldError } from './validate-host.js';
import { validateRootDeviceHints } from './root-device-hints.js';

export const STATUS_ANNOTATION = Annotation.status;
/** kubectl's bookkeeping: it holds the old manifest, so it is dropped on import. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Annotations consumed by the import and never kept (BMO deletes the status annotation once read). */
export const IMPORT_ONLY_ANNOTATIONS: readonly string[] = [STATUS_ANNOTATION, LAST_APPLIED_ANNOTATION];

/** The states a host is adopted into (after registering), and the ones that restart from registration. */
export type ImportedState = typeof S.Provisioned | typeof S.ExternallyProvisioned | typeof S.Available | typeof S.Preparing | typeof S.Inspecting | typeof S.Registering | typeof S.Unmanaged;

/** What adoption copies from the exported status (credentials are not copied: ours are keyed digests). */
export interface ImportedStatus {
  state: ImportedState;
  status: Pick<BareMetalHostStatus, 'provisioning'> &
    Partial<Pick<BareMetalHostStatus, 'hardware' | 'hardwareProfile' | 'operationHistory' | 'poweredOn' | 'lastAttemptedImage' | 'provisioningFailCount' | 'errorType' | 'errorMessage'>>;
  // errorType/errorMessage: no longer imported (registration is a fresh check and the imported
  // error was never cleared); kept in the type for inputs of workflows started before.
}

/** BMO's legacy states, read on import only: `ready` is handled as available, `match profile` as preparing. */
const STATE_ON_IMPORT: Readonly<Record<string, ImportedState | 'transient' | 'none'>> = {
  '': 'none',
  [S.Unmanaged]: S.Unmanaged,
  [S.Registering]: S.Registering,
  'match profile': S.Preparing,
  [S.Inspecting]: S.Inspecting,
  [S.Preparing]: S.Preparing,
  ready: S.Available,
  [S.Available]: S.Available,
  [S.Provisioned]: S.Provisioned,
  [S.ExternallyProvisioned]: S.ExternallyProvisioned,
  [S.Provisioning]: 'transient',
  [S.Deprovisioning]: 'transient',
  [S.PoweringOffBeforeDelete]: 'transient',
  [S.Deleting]: 'transient',
};

type Check = (value: unknown, path: string, errors: FieldError[]) => void;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str: Check = (v, path, errors) => void (typeof v !== 'string' && errors.push({ field: path, reason: 'must be a string' }));
const optStr: Check = (v, path, errors) => void (v !== null && typeof v !== 'string' && errors.push({ field: path, reason: 'must be a string or null' }));
const bool: Check = (v, path, errors) => void (typeof v !== 'boolean' && errors.push({ field: path, reason: 'must be a boolean' }));
const count: Check = (v, path, errors) => void ((typeof v !== 'number' || !Number.isInteger(v) || v < 0) && errors.push({ field: path, reason: 'must be a whole number, 0 or more' }));
const anyObject: Check = (v, path, errors) => void (v !== null && !isObject(v) && errors.push({ field: path, reason: 'must be an object' }));
const oneOf = (name: string, allowed: readonly string[]): Check => (v, path, errors) => {
  if (typeof v !== 'string' || !allowed.includes(v)) errors.push({ field: path, reason: `invalid ${name} '${String(v)}'` });
};
const struct = (fields: Readonly<Record<string, Check>>): Check => (v, path, errors) => {
  if (v === null) return;
  if (!isObject(v)) {
    errors.push({ field: path, reason: 'must be an object' });
    return;
  }
  for (const [key, value] of Object.entries(v)) {
    const check = fields[key];
    if (!check) errors.push({ field: `${path}.${key}`, reason: 'unknown field' });
    else if (value !== undefined) check(value, `${path}.${key}`, errors);
  }
};
const list = (item: Check): Check => (v, path, errors) => {
  if (v === null) return;
  if (!Array.isArray(v)) errors.push({ field: path, reason: 'must be a list' });
  else v.forEach((x, i) => item(x, `${path}[${i}]`, errors));
};

const required = (fields: Readonly<Record<string, Check>>, keys: readonly string[]): Check => (v, path, errors) => {
  const before = errors.length;
  struct(fields)(v, path, errors);
  if (errors.length > before || !isObject(v)) return;
  for (const k of keys) if (v[k] === undefined || v[k] === null) errors.push({ field: `${path}.${k}`, reason: 'is required' });
};
const mapOf = (value: Check): Check => (v, path, errors) => {
  if (v === null) return;
  if (!isObject(v)) errors.push({ field: path, reason: 'must be an object' });
  else for (const [k, x] of Object.entries(v)) value(x, `${path}.${k}`, errors);
};
const intOrString: Check = (v, path, errors) => void (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v)) && errors.push({ field: path, reason: 'must be a string or an integer' }));
const num: Check = (v, path, errors) => void (typeof v !== 'number' && errors.push({ field: path, reason: 'must be a number' }));

/** Our host status's `firmware` (HostFirmwareStatus, firmware.ts): exported by `get -o yaml`, not by BMO. */
const FIRMWARE_STATUS: Check = struct({
  settings: mapOf(str),
  schemaName: str,
  schema: mapOf(struct({ attribute_type: str, allowable_values: list(str), lower_bound: num, upper_bound: num, min_length: num, max_length: num, read_only: bool, reset_required: bool, unique: bool })),
  appliedSettings: mapOf(intOrString),
  components: list(required({ component: str, initialVersion: str, currentVersion: str, lastVersionFlashed: str, updatedAt: str }, ['component', 'initialVersion'])),
  updates: list(required({ component: str, url: str }, ['component', 'url'])),
});

/** BMO's HardwareDetails, the shape the hardwaredetails annotation is decoded with (Go's json texts). */
const hardware: Check = (v, path, errors) => {
  const why = hardwareDetailsError(v);
  if (why !== undefined) errors.push({ field: path, reason: why });
};
/** The RAID configuration BMO applied: spec.raid's rules; hardware volumes are kept (only compared), not refused. */
const raid: Check = (v, path, errors) => {
  if (v === null) return;
  const found: FieldError[] = [];
  validateRaid(v, undefined, false, found);
  for (const e of found) if (!e.reason.startsWith('hardware RAID is not supported')) errors.push({ field: e.field.replace(/^spec\.raid/, path), reason: e.reason });
};

const image = struct({ url: str, checksum: str, checksumType: str, format: str, ociAuthSecretName: str });
const metric = struct({ start: optStr, end: optStr });
const credentials = struct({ credentials: struct({ name: str, namespace: str }), credentialsVersion: str });
const BMO_STATUS_FIELDS: Readonly<Record<string, Check>> = {
  operationalStatus: oneOf('operationalStatus', ['', ...Object.values(OperationalStatus)]),
  errorType: oneOf('errorType', Object.values(ErrorType)),
  errorMessage: str,
  errorCount: count,
  provisioningFailCount: count,
  lastUpdated: optStr,
  hardwareProfile: str,
  hardware,
  goodCredentials: credentials,
  triedCredentials: credentials,
  poweredOn: bool,
  operationHistory: struct({ register: metric, inspect: metric, provision: metric, deprovision: metric }),
  provisioning: struct({
    state: oneOf('provisioning state', Object.keys(STATE_ON_IMPORT)),
    ID: str,
    image,
    rootDeviceHints: (v, path, errors) => void (v !== null && validateRootDeviceHints(v, path, errors)),
    bootMode: oneOf('bootMode', ['', 'UEFI', 'UEFISecureBoot', 'legacy']),
    raid,
    firmware: anyObject,
    customDeploy: struct({ method: str }),
  }),
  lastAttemptedImage: image,
  conditions: list(anyObject),
};
/** BMO's status, as its webhook decodes the status annotation. */
const BMO_STATUS: Check = struct(BMO_STATUS_FIELDS);
/** A document's `status`: BMO's, or ours from `get -o yaml` (which adds `firmware`). */
const STATUS: Check = struct({ ...BMO_STATUS_FIELDS, firmware: FIRMWARE_STATUS });

/** Same image as far as provisioning goes (url, checksum, format): BMO's and desired-event's comparison. */
export function sameImage(a: Image | undefined, b: Image | undefined): boolean {
  if (!a || !b) return a === b;
  return a.url === b.url && (a.checksum ?? '') === (b.checksum ?? '') && (a.format ?? '') === (b.format ?? '');
}

/** Go's encoding/json wording for the two decoding errors users meet. */
function decodingError(raw: string): string | undefined {
  try {
    JSON.parse(raw);
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    return /end of JSON input|Unterminated|after property value/.test(message) && !raw.trimEnd().endsWith('}') ? 'unexpected EOF' : message.charAt(0).toLowerCase() + message.slice(1);
  }
}

/** The status annotation's webhook rules, with BMO's texts (validateAnnotations). */
export function validateStatusAnnotation(annotations: Readonly<Record<string, string>>): FieldError[] {
  const raw = annotations[STATUS_ANNOTATION];
  if (raw === undefined) return [];
  const field = `metadata.annotations.${STATUS_ANNOTATION}`;
  const bad = decodingError(raw);
  if (bad !== undefined) return [{ field, reason: `error decoding status annotation: ${bad}` }];
  const errors: FieldError[] = [];
  BMO_STATUS(JSON.parse(raw) as unknown, 'status', errors);
  const first = errors[0];
  if (!first) return [];
  const enumError = /^invalid (operationalStatus|errorType) '(.*)'$/.exec(first.reason);
  if (enumError) return [{ field, reason: `${first.reason} in the ${STATUS_ANNOTATION} annotation` }];
  if (first.reason === 'unknown field') return [{ field, reason: `error decoding status annotation: json: unknown field "${first.field.split('.').pop() ?? ''}"` }];
  return [{ field, reason: `error decoding status annotation: ${first.field}: ${first.reason}` }];
}

/**
 * Validates an exported status (`source` says whether it came from the document's `status` or the
 * status annotation) against the host's spec and reduces it to what adoption keeps. An empty status
 * (no state) imports nothing. `errors` (schema: unknown fields, bad types and enums) refuse the
 * document; `adoptionErrors` (a transient state, an image being changed) only refuse adopting it,
 * i.e. a host that does not exist yet: an existing host ignores the status (client apply()).
 */
export function parseImportedStatus(raw: unknown, spec: BareMetalHostSpec, source: 'status' | 'annotation'): { imported?: ImportedStatus; errors: FieldError[]; adoptionErrors?: FieldError[] } {
  if (raw === undefined || raw === null) return { errors: [] };
  if (source === 'annotation') {
    if (typeof raw !== 'string' || decodingError(raw) !== undefined) return { errors: [] }; // validateStatusAnnotation reports it
    raw = JSON.parse(raw) as unknown;
  }
  const errors: FieldError[] = [];
  STATUS(raw, 'status', errors);
  if (errors.length > 0 || !isObject(raw)) return { errors: errors.length > 0 ? errors : [{ field: 'status', reason: 'must be an object' }] };
  const s = raw as Partial<BareMetalHostStatus> & { provisioning?: Partial<BareMetalHostStatus['provisioning']> & { state?: string } };
  const mapped = STATE_ON_IMPORT[s.provisioning?.state ?? ''];
  if (mapped === undefined || mapped === 'none') return { errors: [] };
  if (mapped === 'transient') {
    const state = String(s.provisioning?.state);
    return { errors: [], adoptionErrors: [{ field: 'status.provisioning.state', reason: `${state}: a host cannot be adopted in a transient state; export it once it is provisioned, available or externally provisioned` }] };
  }
  if (mapped === S.Provisioned) {
    if (!spec.image?.url && !spec.customDeploy?.method) return { errors: [], adoptionErrors: [{ field: 'spec.image', reason: 'is required to adopt a provisioned host (its status says provisioned)' }] };
    // Otherwise the host would be deprovisioned right after adoption (desired-event: image changed).
    if (spec.image && !sameImage(spec.image, s.provisioning?.image)) {
      return { errors: [], adoptionErrors: [{ field: 'status.provisioning.image', reason: 'differs from spec.image: the host was being re-provisioned when exported; set spec.image to the provisioned image to adopt it' }] };
    }
  }
  const p: Partial<BareMetalHostStatus['provisioning']> = s.provisioning ?? {};
  const status: ImportedStatus['status'] = {
    provisioning: {
      state: mapped as ProvisioningState,
      ID: p.ID ?? '',
      ...(p.image ? { image: p.image } : {}),
      ...(p.rootDeviceHints ? { rootDeviceHints: p.rootDeviceHints } : {}),
      ...(p.bootMode ? { bootMode: p.bootMode } : {}),
      ...(p.raid ? { raid: p.raid } : {}),
      ...(p.firmware ? { firmware: p.firmware } : {}),
      ...(p.customDeploy ? { customDeploy: p.customDeploy } : {}),
    },
  };
  if (s.hardware) status.hardware = normaliseHardwareDetails(s.hardware);
  for (const key of ['hardwareProfile', 'operationHistory', 'poweredOn', 'lastAttemptedImage', 'provisioningFailCount', 'firmware'] as const) {
    if (s[key] !== undefined && s[key] !== null) Object.assign(status, { [key]: s[key] });
  }
  return { imported: { state: mapped, status }, errors: [] };
}

/** The annotations kept in the host definition: the import-only ones are consumed here. */
export function keptAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (!annotations) return undefined;
  const kept = Object.fromEntries(Object.entries(annotations).filter(([k]) => !IMPORT_ONLY_ANNOTATIONS.includes(k)));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/**
 * Takes over what Metal3 knew (BMO reconcileHostData restores the status) into a fresh status: the
 * provisioned image and its ID, boot mode, hints, RAID, hardware, history and counters. Not the
 * state (the host registers first) and not the credentials status (ours is a keyed digest, so it
 * registers anew). The operation history is merged per operation: an export may carry only some
 * of them, or null ones. Pure (the workflow calls it when it starts).
 */
export function adoptImportedStatus(status: BareMetalHostStatus, imported: ImportedStatus): void {
  const { provisioning, operationHistory, ...rest } = imported.status;
  Object.assign(status, rest);
  if (operationHistory) {
    for (const key of Object.keys(status.operationHistory) as (keyof BareMetalHostStatus['operationHistory'])[]) {
      const metric = operationHistory[key] as BareMetalHostStatus['operationHistory'][typeof key] | null | undefined;
      if (metric) status.operationHistory[key] = { start: metric.start ?? null, end: metric.end ?? null };
    }
  }
  status.provisioning = { ...provisioning, state: S.None };
}
