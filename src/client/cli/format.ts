/** Human output for the CLI: kubectl-like tables and a describe view. Never prints Secret values. */
import { stringify as toYaml } from 'yaml';
import type { HostSummary, HostView } from '../../contract/index.js';
import type { HostDescription } from '../metalflow-client.js';

export function age(fromIso: string, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** kubectl's placeholder for a column it cannot fill. */
export const UNKNOWN = '<unknown>';

/**
 * kubectl get bmh's columns (BMO's printcolumns): NAME STATE CONSUMER ONLINE ERROR AGE; `-o wide`
 * adds STATUS and BMC where kubectl puts them, then ours after AGE. All from visibility (search
 * attributes and the BmhView memo); STEP is the activity running now, when the caller looked it up.
 */
export function hostsTable(hosts: Array<HostSummary & { step?: string }>, opts: { wide?: boolean; allNamespaces?: boolean; now?: number } = {}): string {
  const wide = opts.wide === true;
  const header = [
    ...(opts.allNamespaces ? ['NAMESPACE'] : []),
    'NAME', ...(wide ? ['STATUS'] : []), 'STATE', 'CONSUMER', ...(wide ? ['BMC'] : []), 'ONLINE', 'ERROR', 'AGE',
    ...(wide ? ['IMAGE', 'POWERED', 'GENERATION', 'STEP'] : []),
  ];
  const rows = hosts.map((h) => {
    // No memo yet (hosts/noView): its columns are unknown, not false or empty (kubectl's placeholder).
    const m = (v: string): string => (h.noView ? UNKNOWN : v);
    return [
      ...(opts.allNamespaces ? [h.namespace] : []),
      h.name,
      ...(wide ? [h.operationalStatus] : []),
      h.state,
      m(h.consumer),
      ...(wide ? [m(h.bmcAddress)] : []),
      m(String(h.online)),
      h.errorType,
      age(h.createdAt, opts.now),
      ...(wide ? [m(h.image), String(h.poweredOn), m(String(h.generation)), h.step ?? ''] : []),
    ];
  });
  return table(header, rows);
}

/** The BareMetalHost object as kubectl prints it: server metadata, spec (Secret references only), status. */
export function asObject(v: HostView): Record<string, unknown> {
  const nonEmpty = (key: string, map: Record<string, string>): Record<string, unknown> => (Object.keys(map).length > 0 ? { [key]: map } : {});
  return {
    apiVersion: 'metal3.io/v1alpha1',
    kind: 'BareMetalHost',
    metadata: {
      ...nonEmpty('annotations', v.annotations),
      creationTimestamp: v.createdAt,
      generation: v.generation,
      ...nonEmpty('labels', v.labels),
      name: v.name,
      namespace: v.namespace,
      uid: v.uid,
    },
    spec: v.spec,
    status: v.status,
  };
}

/** What `get -o json|yaml` prints: one object for `get NAME`, else a kubectl List (which `apply` reads back). */
function printed(views: HostView[], single: boolean): Record<string, unknown> {
  return single ? asObject(views[0] as HostView) : { apiVersion: 'v1', items: views.map(asObject), kind: 'List', metadata: { resourceVersion: '' } };
}

export function asJson(views: HostView[], single: boolean): string {
  return JSON.stringify(printed(views, single), null, 2);
}

export function asYaml(views: HostView[], single: boolean): string {
  return toYaml(printed(views, single));
}

export function describeText(d: HostDescription, temporalUiBase?: string): string {
  const v = d.view;
  const s = v.status;
  const out: string[] = [];
  const kv = (k: string, val: unknown): void => void out.push(`${k.padEnd(21)} ${val === undefined || val === '' ? '<none>' : String(val)}`);
  kv('Name:', v.name);
  kv('Namespace:', v.namespace);
  kv('Workflow:', `${d.workflowId} (run ${d.runId})`);
  if (temporalUiBase) kv('Temporal UI:', `${temporalUiBase}/workflows/${encodeURIComponent(d.workflowId)}`);
  kv('Created:', `${v.createdAt} (${age(v.createdAt)} ago)`);
  kv('Generation:', v.generation);
  kv('Labels:', Object.entries(v.labels).map(([k, val]) => `${k}=${val}`).join(', '));
  out.push('Spec:');
  kv('  Description:', v.spec.description);
  const consumer = v.spec.consumerRef;
  kv('  Consumer:', consumer ? `${String(consumer.kind ?? '')} ${String(consumer.namespace ?? v.namespace)}/${String(consumer.name ?? '')}` : undefined);
  kv('  BMC:', v.spec.bmc?.address);
  kv('  Credentials:', v.spec.bmc?.credentialsName);
  kv('  Boot MAC:', v.spec.bootMACAddress);
  kv('  Online:', v.spec.online);
  kv('  Image:', v.spec.image ? `${v.spec.image.url} (${v.spec.image.format ?? 'auto'})` : undefined);
  kv('  Root device hints:', v.spec.rootDeviceHints ? JSON.stringify(v.spec.rootDeviceHints) : undefined);
  kv('  Cleaning:', v.spec.automatedCleaningMode ?? 'metadata');
  out.push('Status:');
  kv('  State:', s.provisioning.state);
  kv('  Operational:', s.operationalStatus);
  kv('  Powered on:', s.poweredOn);
  kv('  Provisioning ID:', s.provisioning.ID);
  kv('  Provisioned image:', s.provisioning.image?.url);
  kv('  Error type:', s.errorType);
  kv('  Error message:', s.errorMessage);
  kv('  Error count:', s.errorCount);
  kv('  Provisioning fails:', s.provisioningFailCount);
  kv('  Next retry:', v.nextRetryAt);
  kv('  Paused:', v.pausedBy ? `true (by ${v.pausedBy.join(' and ')})` : v.paused);
  kv('  Deleting:', v.deleting);
  kv('  Good credentials:', s.goodCredentials ? `${s.goodCredentials.credentials.name} (version ${s.goodCredentials.credentialsVersion})` : undefined);
  kv('  Last updated:', s.lastUpdated);
  if (v.notes?.length) out.push('Notes:', ...v.notes.map((n) => `  ${n}`));
  out.push('Current step:');
  kv('  Step:', v.currentStep);
  if (d.pendingActivities.length === 0) kv('  Activity:', undefined);
  for (const a of d.pendingActivities) {
    kv('  Activity:', `${a.activityType} attempt ${a.attempt}${a.lastFailure ? ` (last failure: ${a.lastFailure})` : ''}`);
  }
  out.push('Operation history:');
  for (const [op, m] of Object.entries(s.operationHistory)) kv(`  ${op}:`, m.start ? `${m.start} → ${m.end ?? '(running)'}` : undefined);
  out.push('Hardware:');
  const hw = s.hardware;
  if (!hw) kv('  Inspected:', 'no');
  else {
    kv('  System:', [hw.systemVendor?.manufacturer, hw.systemVendor?.productName, hw.systemVendor?.serialNumber].filter(Boolean).join(' '));
    kv('  CPU:', hw.cpu ? `${hw.cpu.count ?? '?'} x ${hw.cpu.model ?? '?'} (${hw.cpu.arch ?? '?'})` : undefined);
    kv('  RAM (MiB):', hw.ramMebibytes);
    for (const n of hw.nics ?? []) kv(`  NIC ${n.name}:`, `${n.mac}${n.pxe ? ' (pxe)' : ''}`);
    for (const disk of hw.storage ?? []) kv(`  Disk ${disk.name}:`, `${Math.round(disk.sizeBytes / 2 ** 30)} GiB ${disk.type ?? ''} serial ${disk.serialNumber ?? '?'}`);
  }
  out.push(...firmwareLines(v));
  return out.join('\n');
}

/** HostFirmwareSettings (wanted → current), HostFirmwareComponents and HostUpdatePolicy of a host, when it has any. */
export function firmwareLines(v: HostView): string[] {
  const fw = v.status.firmware;
  const wanted = v.firmware;
  if (!fw && !wanted) return [];
  const out = ['Firmware:'];
  const line = (k: string, val: string): void => void out.push(`${k.padEnd(21)} ${val}`);
  if (wanted?.updatePolicy) line('  Update policy:', `settings ${wanted.updatePolicy.firmwareSettings ?? 'onPreparing'}, updates ${wanted.updatePolicy.firmwareUpdates ?? 'onPreparing'}`);
  if (fw?.schemaName) line('  Schema:', fw.schemaName);
  const names = new Set([...Object.keys(wanted?.settings ?? {}), ...Object.keys(fw?.settings ?? {})]);
  for (const name of [...names].sort()) {
    const current = fw?.settings?.[name];
    const want = wanted?.settings?.[name];
    line(`  ${name}:`, `${current ?? '<unknown>'}${want !== undefined && String(want) !== current ? ` (wanted ${String(want)})` : ''}`);
  }
  for (const c of fw?.components ?? []) line(`  Component ${c.component}:`, `${c.currentVersion ?? '?'} (initial ${c.initialVersion}${c.lastVersionFlashed ? `, flashed ${c.lastVersionFlashed} at ${c.updatedAt ?? '?'}` : ''})`);
  for (const u of wanted?.updates ?? []) if (!fw?.updates?.some((d) => d.component === u.component && d.url === u.url)) line(`  Pending update:`, `${u.component} from ${u.url}`);
  return out;
}
