/**
 * Reads Metal3 manifests: multi-document YAML with metal3.io/v1alpha1 BareMetalHost and v1 Secret
 * objects, exactly as Metal3 users write them. All-or-nothing: any invalid document fails the set.
 */
import { parseAllDocuments } from 'yaml';
import { bootMacConflicts } from './boot-mac.js';
import type { HostFirmwareSpec } from './firmware.js';
import { attachFirmware, FIRMWARE_KINDS, parseFirmwareDoc, type FirmwareDoc } from './firmware-manifest.js';
import type { BareMetalHost, Secret } from './types.js';
import { validateBareMetalHost, validateObjectMeta, type FieldError } from './validate-host.js';

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
  /** Its HostFirmwareSettings / HostFirmwareComponents / HostUpdatePolicy, if any were applied with it. */
  firmware?: HostFirmwareSpec;
}

export interface ParsedManifests {
  hosts: ResolvedHost[];
  secrets: Secret[];
  errors: ManifestError[];
  warnings: string[];
}

/** Renders errors one per line: `document: field: reason`. */
export function formatManifestErrors(errors: ManifestError[]): string {
  return errors.map((e) => `${e.document}: ${e.field}: ${e.reason}`).join('\n');
}

interface RawDoc {
  label: string;
  obj: Record<string, unknown>;
}

export function parseManifests(sources: ManifestSource[]): ParsedManifests {
  const errors: ManifestError[] = [];
  const warnings: string[] = [];
  const rawHosts: RawDoc[] = [];
  const secrets: Secret[] = [];
  const firmwareDocs: FirmwareDoc[] = [];

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
      const obj = value as Record<string, unknown>;
      const meta = (obj.metadata ?? {}) as Record<string, unknown>;
      const label = `${where} (${String(obj.kind ?? '?')} ${String(meta.namespace ?? 'default')}/${String(meta.name ?? '?')})`;
      if (obj.kind === 'List' && Array.isArray(obj.items)) {
        errors.push({ document: label, field: 'kind', reason: 'List objects are not supported; write one document per object' });
      } else if (obj.apiVersion === 'metal3.io/v1alpha1' && obj.kind === 'BareMetalHost') {
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
      } else {
        warnings.push(`${label}: ${obj.apiVersion} ${obj.kind} is not managed by metalflow; skipped`);
      }
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
    const available = new Map<string, ReadonlySet<string>>();
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
  const firmware = attachFirmware(firmwareDocs, seenHosts, errors);
  for (const h of hosts) {
    const part = firmware.get(`${h.host.metadata.namespace}/${h.host.metadata.name}`);
    if (part) h.firmware = part;
  }
  const macOwners = hosts.map(({ host: h }) => ({ namespace: h.metadata.namespace ?? 'default', name: h.metadata.name, bootMACAddress: h.spec.bootMACAddress }));
  for (const e of bootMacConflicts(macOwners)) errors.push({ ...e, document: labels.get(e.document) ?? e.document });
  return { hosts, secrets, errors, warnings };
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
      ...(meta.annotations ? { annotations: meta.annotations as Record<string, string> } : {}),
    },
    spec: structuredClone(obj.spec) as BareMetalHost['spec'],
  };
  if (host.spec.image === null) delete host.spec.image;
  return host;
}

function decodeSecret(obj: Record<string, unknown>, label: string, errors: ManifestError[]): Secret | undefined {
  const fieldErrors: FieldError[] = [];
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
