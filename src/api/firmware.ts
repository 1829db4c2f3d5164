/**
 * BMO's firmware resources (metal3.io/v1alpha1): HostFirmwareSettings, FirmwareSchema,
 * HostFirmwareComponents and HostUpdatePolicy, as they travel with a host, and their validation
 * with BMO's texts (`SettingSchema.Validate`, `validateHostFirmwareSettings`,
 * `ValidateHostFirmwareComponents`, the HFC webhook's URL check). Pure data and pure functions.
 */

/** One setting's schema, as BMO's SettingSchema (JSON names as in FirmwareSchema.spec.schema). */
export interface SettingSchema {
  attribute_type?: string;
  allowable_values?: string[];
  lower_bound?: number;
  upper_bound?: number;
  min_length?: number;
  max_length?: number;
  read_only?: boolean;
  reset_required?: boolean;
  unique?: boolean;
}

export type FirmwareSchemaMap = Record<string, SettingSchema>;

/** IntOrString, as HostFirmwareSettings.spec.settings values. */
export type SettingValue = string | number;

export interface FirmwareUpdate {
  component: string;
  url: string;
}

export interface FirmwareComponentStatus {
  component: string;
  initialVersion: string;
  currentVersion?: string;
  lastVersionFlashed?: string;
  updatedAt?: string;
}

export type UpdatePolicy = 'onPreparing' | 'onReboot';

/** The firmware part of a host definition: the spec of its HFS, HFC and HostUpdatePolicy. */
export interface HostFirmwareSpec {
  settings?: Record<string, SettingValue>;
  updates?: FirmwareUpdate[];
  updatePolicy?: { firmwareSettings?: UpdatePolicy; firmwareUpdates?: UpdatePolicy };
}

/** What the host's status says about its firmware (HFS status, the FirmwareSchema, HFC status). */
export interface HostFirmwareStatus {
  /** HostFirmwareSettings status.settings: every attribute the BMC reports, as strings. */
  settings?: Record<string, string>;
  /** The FirmwareSchema's name (`schema-<8 hex>`) and its spec.schema. */
  schemaName?: string;
  schema?: FirmwareSchemaMap;
  /** The settings last applied (HFS spec as of the last successful apply). */
  appliedSettings?: Record<string, SettingValue>;
  /** HostFirmwareComponents status.components and status.updates. */
  components?: FirmwareComponentStatus[];
  updates?: FirmwareUpdate[];
}

export const UPDATE_POLICIES: readonly UpdatePolicy[] = ['onPreparing', 'onReboot'];
export const NIC_COMPONENT_PREFIX = 'nic:';
/** URL schemes BMO's webhook allows for firmware update URLs. */
export const FIRMWARE_URL_SCHEMES: readonly string[] = ['http', 'https', 'ftp', 'gopher', 'oci'];

/** BMO's SchemaSettingError text. */
const invalid = (name: string, message: string): string => `Setting ${name} is invalid, ${message}`;

/** BMO's SettingSchema.Validate: undefined when the value may be set, else BMO's message. */
export function validateSetting(name: string, value: SettingValue, schema: SettingSchema): string | undefined {
  if (schema.read_only === true) return invalid(name, 'it is ReadOnly');
  if (name.includes('Password')) return invalid(name, "Password fields can't be set");
  const text = String(value);
  switch (schema.attribute_type ?? '') {
    case 'Enumeration':
      return (schema.allowable_values ?? []).includes(text) ? undefined : invalid(name, `unknown enumeration value - ${text}`);
    case 'Integer': {
      if (typeof value === 'string' && !/^[+-]?\d+$/.test(value)) return invalid(name, `String ${text} entered while integer expected`);
      const n = Number(value);
      if (schema.lower_bound !== undefined && n < schema.lower_bound) return invalid(name, `integer ${n} is below minimum value ${schema.lower_bound}`);
      if (schema.upper_bound !== undefined && n > schema.upper_bound) return invalid(name, `integer ${n} is above maximum value ${schema.upper_bound}`);
      return undefined;
    }
    case 'String':
      if (schema.min_length !== undefined && text.length < schema.min_length) return invalid(name, `string ${text} length is below minimum length ${schema.min_length}`);
      if (schema.max_length !== undefined && text.length > schema.max_length) return invalid(name, `string ${text} length is above maximum length ${schema.max_length}`);
      return undefined;
    case 'Boolean':
      return text === 'true' || text === 'false' ? undefined : invalid(name, `${text} is not a boolean`);
    case 'Password':
      return invalid(name, 'passwords are immutable');
    case '':
      return undefined; // BMO: allow the set, the BIOS registry may not have been available
    default:
      return invalid(name, `unexpected attribute type ${schema.attribute_type ?? ''}`);
  }
}

/**
 * BMO's validateHostFirmwareSettings: every requested setting must be a setting the BMC reports
 * (the status) and pass its schema; with no schema entry, BMO's FirmwareSchema.ValidateSetting text.
 */
export function validateFirmwareSettings(wanted: Record<string, SettingValue>, current: Record<string, string>, schema: FirmwareSchemaMap | undefined): string[] {
  const errors: string[] = [];
  for (const [name, value] of Object.entries(wanted)) {
    if (name.includes('Password')) {
      errors.push('cannot set Password field');
      continue;
    }
    if (!Object.hasOwn(current, name)) {
      errors.push(`setting ${name} is not in the Status field`);
      continue;
    }
    if (!schema) continue;
    const entry = Object.hasOwn(schema, name) ? schema[name] : undefined;
    const problem = entry ? validateSetting(name, value, entry) : invalid(name, 'it is not in the associated schema');
    if (problem) errors.push(problem);
  }
  return errors;
}

/** BMO's ValidateHostFirmwareComponents and the HFC webhook's URL check, as `field: reason` texts. */
export function validateFirmwareUpdates(updates: readonly FirmwareUpdate[], field = 'spec.updates'): string[] {
  const errors: string[] = [];
  updates.forEach((u, i) => {
    if (u.component !== 'bmc' && u.component !== 'bios' && !u.component.startsWith(NIC_COMPONENT_PREFIX)) {
      errors.push(`${field}[${i}].component: component ${u.component} is invalid, only 'bmc', 'bios', or names starting with '${NIC_COMPONENT_PREFIX}' are allowed as update names`);
    }
    const problem = urlProblem(u.url);
    if (problem) errors.push(`${field}[${i}].url: invalid URL "${u.url}" in FirmwareUpdate in component "${u.component}": ${problem}`);
  });
  return errors;
}

function urlProblem(input: string): string | undefined {
  // Go's url.ParseRequestURI wants an absolute URI (or an absolute path, which has no scheme).
  if (!URL.canParse(input)) return `parse "${input}": invalid URI for request`;
  const scheme = new URL(input).protocol.replace(/:$/, '');
  return FIRMWARE_URL_SCHEMES.includes(scheme) ? undefined : `invalid scheme in URL, "${scheme}" not allowed`;
}

/** The settings of `wanted` whose value differs from the current one (strings compared, as BMO's status is strings). */
export function changedSettings(wanted: Record<string, SettingValue> | undefined, current: Record<string, string> | undefined): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const [k, v] of Object.entries(wanted ?? {})) if (current?.[k] !== String(v)) out[k] = v;
  return out;
}

/** The requested updates not yet recorded as done in status.updates (component and URL). */
export function pendingUpdates(wanted: readonly FirmwareUpdate[] | undefined, done: readonly FirmwareUpdate[] | undefined): FirmwareUpdate[] {
  return (wanted ?? []).filter((u) => !(done ?? []).some((d) => d.component === u.component && d.url === u.url));
}
