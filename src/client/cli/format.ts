/** Human output for the CLI: kubectl-like tables and a describe view. Never prints Secret values. */
import { stringify as toYaml } from 'yaml';
import type { HostView } from '../../contract/index.js';
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

export function hostsTable(views: HostView[], opts: { wide?: boolean; allNamespaces?: boolean; now?: number } = {}): string {
  const header = [
    ...(opts.allNamespaces ? ['NAMESPACE'] : []),
    'NAME', 'STATE', 'OPERATIONAL', 'ONLINE', 'POWERED', 'ERROR', 'AGE',
    ...(opts.wide ? ['BMC', 'IMAGE', 'GENERATION', 'STEP'] : []),
  ];
  const rows = views.map((v) => [
    ...(opts.allNamespaces ? [v.namespace] : []),
    v.name,
    v.status.provisioning.state || '<new>',
    v.status.operationalStatus,
    String(v.spec.online),
    String(v.status.poweredOn),
    v.status.errorType,
    age(v.createdAt, opts.now),
    ...(opts.wide ? [v.spec.bmc?.address ?? '', v.spec.image?.url ?? '', String(v.generation), v.currentStep] : []),
  ]);
  return table(header, rows);
}

/** The BareMetalHost object as kubectl would print it (spec holds Secret references only). */
export function asObject(v: HostView): Record<string, unknown> {
  return {
    apiVersion: 'metal3.io/v1alpha1',
    kind: 'BareMetalHost',
    metadata: { name: v.name, namespace: v.namespace, generation: v.generation, creationTimestamp: v.createdAt, annotations: v.annotations },
    spec: v.spec,
    status: v.status,
  };
}

export function asJson(views: HostView[], single: boolean): string {
  return JSON.stringify(single ? asObject(views[0] as HostView) : { apiVersion: 'v1', kind: 'List', items: views.map(asObject) }, null, 2);
}

export function asYaml(views: HostView[], single: boolean): string {
  return toYaml(single ? asObject(views[0] as HostView) : { apiVersion: 'v1', kind: 'List', items: views.map(asObject) });
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
  out.push('Spec:');
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
  return out.join('\n');
}
