/**
 * Reads Metal3 manifests: multi-document YAML with metal3.io/v1alpha1 BareMetalHost and v1 Secret
 * objects, exactly as Metal3 users write them. All-or-nothing: any invalid document fails the set.
 */
import { parseAllDocuments } from 'yaml';
import { bootMacConflicts } from './boot-mac.js';
import { STATUS_ANNOTATION, keptAnnotations, parseImportedStatus, type ImportedStatus } from './imported-status.js';
import type { HostFirmwareSpec } from './firmware.js';
import { attachFirmware, FIRMWARE_KINDS, parseFirmwareDoc, type FirmwareDoc } from './firmware-manifest.js';
import type { BareMetalHost, Secret } from './types.js';
import { validateBareMetalHost, validateObjectMeta, type FieldError } from './validate-host.js';
import { LIST, SECRET, unknownFields } from './strict-fields.js';

export interface ManifestError extends FieldError {
  /** e.g. `hosts.yaml#2 (BareMetalHost metal3/host-0)` */
  document: string;
}

export interface ManifestSource {
  /** File name or label used in error messages. */
  name: string;
  text: string;
}

export interface ResolvedHost {
  host: BareMetalHost;
  /** The Secrets this host refers to, by BareMetalHost field, with their decoded data. */
  secrets: Partial<Record<'credentials' | 'userData' | 'networkData' | 'metaData' | 'preprovisioningNetworkData', Secret>>;
  /** The status exported from Metal3 (document `status` or the status annotation): adopted by a new host. */
  importedStatus?: ImportedStatus;
  /** Why its exported status cannot be adopted (transient state, image changed): refused only if the host does not exist yet. */
  adoptionErrors?: ManifestError[];
  /** Its HostFirmwareSettings / HostFirmwareComponents / HostUpdatePolicy, if any were applied with it. */
  firmware?: HostFirmwareSpec;
}

export interface ParsedManifests {
  hosts: ResolvedHost[];
  secrets: Secret[];
  errors: ManifestError[];
  warnings: string[];
  /** Every BareMetalHost document's namespace and name, valid or not (`apply -n` checks them first). */
  hostRefs: Array<{ namespace: string; name: string }>;
}

/** Renders errors one per line: `document: field: reason`. */
export function formatManifestErrors(errors: ManifestError[]): string {
  return errors.map((e) => `${e.document}: ${e.field}: ${e.reason}`).join('\n');
}

/** metal3.io kinds that BMO generates (status-like): accepted in an export and ignored, with the reason. */
const IGNORED_METAL3_KINDS: Readonly<Record<string, string>> = {
  FirmwareSchema: 'BMO generates it from the BMC',
  HardwareData: 'BMO copies inspection results into it; metalflow keeps them in the host status',
};

interface RawDoc {
  label: string;
  obj: Record<string, unknown>;
}

/** Secrets (name → keys) already sealed in a running host's definition: a re-applied host may name them without carrying them. */
export type SealedSecretsOf = (namespace: string, host: string) => ReadonlyMap<string, ReadonlySet<string>> | undefined;

export function parseManifests(sources: ManifestSource[], sealedSecretsOf?: SealedSecretsOf): ParsedManifests {
  const errors: ManifestError[] = [];
  const warnings: string[] = [];
  const rawHosts: RawDoc[] = [];
  const secrets: Secret[] = [];
  const firmwareDocs: FirmwareDoc[] = [];

  /** One object, at `where` (`file#doc`, or `file#doc.items[i]` inside a List). */
  const add = (obj: Record<string, unknown>, where: string): void => {
    if (obj.kind === 'List') {
      addList(obj, where);
      return;
    }
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const label = `${where} (${String(obj.kind ?? '?')} ${String(meta.namespace ?? 'default')}/${String(meta.name ?? '?')})`;
    const ignored = obj.apiVersion === 'metal3.io/v1alpha1' && typeof obj.kind === 'string' ? IGNORED_METAL3_KINDS[obj.kind] : undefined;
    if (obj.apiVersion === 'metal3.io/v1alpha1' && obj.kind === 'BareMetalHost') {
      rawHosts.push({ label, obj });
    } else if (obj.apiVersion === 'metal3.io/v1alpha1' && FIRMWARE_KINDS.has(String(obj.kind))) {
      const doc = parseFirmwareDoc(obj, label, errors);
      if (doc) firmwareDocs.push(doc);
    } else if (obj.apiVersion === 'v1' && obj.kind === 'Secret') {
      const secret = decodeSecret(obj, label, errors);
      if (secret) secrets.push(secret);
    } else if (obj.kind === 'BareMetalHost') {
      errors.push({ document: label, field: 'apiVersion', reason: `must be metal3.io/v1alpha1, got ${String(obj.apiVersion)}` });
    } else if (typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') {
      errors.push({ document: label, field: typeof obj.kind !== 'string' ? 'kind' : 'apiVersion', reason: 'is required' });
    } else if (ignored) {
      warnings.push(`${label}: ${obj.apiVersion} ${obj.kind} is ignored: ${ignored}`);
    } else {
      warnings.push(`${label}: ${obj.apiVersion} ${obj.kind} is not managed by metalflow; skipped`);
    }
  };
  /** `kubectl get -o yaml` of several objects prints a v1 List: its items are applied as documents. */
  const addList = (list: Record<string, unknown>, where: string): void => {
    const label = `${where} (List)`;
    const listErrors = unknownFields(list, LIST);
    if (list.apiVersion !== 'v1') listErrors.push({ field: 'apiVersion', reason: `must be v1, got ${String(list.apiVersion)}` });
    if (!Array.isArray(list.items)) listErrors.push({ field: 'items', reason: 'must be a list' });
    for (const e of listErrors) errors.push({ document: label, ...e });
    if (listErrors.length > 0 || !Array.isArray(list.items)) return;
    list.items.forEach((item: unknown, i) => {
      const at = `${where}.items[${i}]`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) errors.push({ document: at, field: '(root)', reason: 'must be a Kubernetes object (a map with apiVersion and kind)' });
      else if ((item as Record<string, unknown>).kind === 'List') errors.push({ document: at, field: 'kind', reason: 'a List inside a List is not supported' });
      else add(item as Record<string, unknown>, at);
    });
  };

  for (const source of sources) {
    const docs = parseAllDocuments(source.text);
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, i) => {
      const where = `${source.name}#${i + 1}`;
      if (doc.errors.length > 0) {
        errors.push({ document: where, field: '(yaml)', reason: doc.errors[0]?.message.split('\n')[0] ?? 'invalid YAML' });
        return;
      }
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) return; // empty document (e.g. trailing ---)
      if (typeof value !== 'object' || Array.isArray(value)) {
        errors.push({ document: where, field: '(root)', reason: 'must be a Kubernetes object (a map with apiVersion and kind)' });
        return;
      }
      add(value as Record<string, unknown>, where);
    });
  }

  const secretIndex = new Map<string, Secret>();
  for (const s of secrets) {
    const key = `${s.metadata.namespace}/${s.metadata.name}`;
    if (secretIndex.has(key)) errors.push({ document: `Secret ${key}`, field: 'metadata.name', reason: 'appears more than once' });
    secretIndex.set(key, s);
  }

  const hosts: ResolvedHost[] = [];
  const seenHosts = new Set<string>();
  const labels = new Map<string, string>();
  for (const { label, obj } of rawHosts) {
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
    const available = new Map<string, ReadonlySet<string>>(typeof meta.name === 'string' ? sealedSecretsOf?.(namespace, meta.name) : undefined);
    for (const s of secrets) if (s.metadata.namespace === namespace) available.set(s.metadata.name, new Set(Object.keys(s.data)));
    const fieldErrors = validateBareMetalHost(obj, { secrets: available });
    for (const e of fieldErrors) errors.push({ document: label, ...e });
    if (fieldErrors.length > 0) continue;
    const host = normaliseHost(obj, namespace);
    const key = `${namespace}/${host.metadata.name}`;
    if (seenHosts.has(key)) {
      errors.push({ document: label, field: 'metadata.name', reason: 'appears more than once' });
      continue;
    }
    seenHosts.add(key);
    labels.set(`BareMetalHost ${key}`, label);
    const find = (name: string | undefined): Secret | undefined => (name ? secretIndex.get(`${namespace}/${name}`) : undefined);
    const spec = host.spec;
    const resolved: ResolvedHost = { host, secrets: {} };
    const imported = parseImportedStatus(obj.status ?? (meta.annotations as Record<string, string> | undefined)?.[STATUS_ANNOTATION], host.spec, obj.status !== undefined ? 'status' : 'annotation');
    for (const e of imported.errors) errors.push({ document: label, ...e });
    if (imported.imported) resolved.importedStatus = imported.imported;
    if (imported.adoptionErrors?.length) resolved.adoptionErrors = imported.adoptionErrors.map((e) => ({ document: label, ...e }));
    const assign = (field: keyof ResolvedHost['secrets'], name: string | undefined): void => {
      const s = find(name);
      if (s) resolved.secrets[field] = s;
    };
    assign('credentials', spec.bmc?.credentialsName);
    assign('userData', spec.userData?.name);
    assign('networkData', spec.networkData?.name);
    assign('metaData', spec.metaData?.name);
    assign('preprovisioningNetworkData', spec.preprovisioningNetworkDataName);
    hosts.push(resolved);
  }
  const hostRefs = rawHosts.map(({ obj }) => {
    const meta = (typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}) as Record<string, unknown>;
    return { namespace: typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default', name: String(meta.name ?? '?') };
  });
  const firmware = attachFirmware(firmwareDocs, seenHosts, errors);
  for (const h of hosts) {
    const part = firmware.get(`${h.host.metadata.namespace}/${h.host.metadata.name}`);
    if (part) h.firmware = part;
  }
  const macOwners = hosts.map(({ host: h }) => ({ namespace: h.metadata.namespace ?? 'default', name: h.metadata.name, bootMACAddress: h.spec.bootMACAddress }));
  for (const e of bootMacConflicts(macOwners)) errors.push({ ...e, document: labels.get(e.document) ?? e.document });
  return { hosts, secrets, errors, warnings, hostRefs };
}

function normaliseHost(obj: Record<string, unknown>, namespace: string): BareMetalHost {
  const meta = obj.metadata as Record<string, unknown>;
  const host: BareMetalHost = {
    apiVersion: 'metal3.io/v1alpha1',
    kind: 'BareMetalHost',
    metadata: {
      name: meta.name as string,
      namespace,
      ...(meta.labels ? { labels: meta.labels as Record<string, string> } : {}),
      ...(keptAnnotations(meta.annotations as Record<string, string> | undefined) ? { annotations: keptAnnotations(meta.annotations as Record<string, string>) } : {}),
    },
    spec: structuredClone(obj.spec) as BareMetalHost['spec'],
  };
  if (host.spec.image === null) delete host.spec.image;
  // Validated: an empty bmc block (no address, no credentialsName) is no BMC, an unmanaged host.
  if (host.spec.bmc && !host.spec.bmc.address) delete host.spec.bmc;
  return host;
}

function decodeSecret(obj: Record<string, unknown>, label: string, errors: ManifestError[]): Secret | undefined {
  const fieldErrors: FieldError[] = unknownFields(obj, SECRET);
  validateObjectMeta(obj.metadata, fieldErrors);
  const data: Record<string, string> = {};
  const rawData = obj.data;
  if (rawData !== undefined && rawData !== null) {
    if (typeof rawData !== 'object' || Array.isArray(rawData)) fieldErrors.push({ field: 'data', reason: 'must be a map' });
    else {
      for (const [k, v] of Object.entries(rawData)) {
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s+/g, '')) || v.replace(/\s+/g, '').length % 4 !== 0) {
          fieldErrors.push({ field: `data.${k}`, reason: 'must be base64 (use stringData for plain text)' });
        } else data[k] = Buffer.from(v.replace(/\s+/g, ''), 'base64').toString('utf8');
      }
    }
  }
  const stringData = obj.stringData;
  if (stringData !== undefined && stringData !== null) {
    if (typeof stringData !== 'object' || Array.isArray(stringData)) fieldErrors.push({ field: 'stringData', reason: 'must be a map' });
    else {
      // As in Kubernetes, stringData wins over data for the same key.
      for (const [k, v] of Object.entries(stringData)) {
        if (typeof v !== 'string') fieldErrors.push({ field: `stringData.${k}`, reason: 'must be a string' });
        else data[k] = v;
      }
    }
  }
  for (const e of fieldErrors) errors.push({ document: label, ...e });
  if (fieldErrors.length > 0) return undefined;
  const meta = obj.metadata as Record<string, unknown>;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: meta.name as string, namespace: typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : 'default' },
    ...(typeof obj.type === 'string' ? { type: obj.type } : {}),
    data,
  };
}
