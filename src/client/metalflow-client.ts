/**
 * The client library behind the CLI: apply manifests, read host status, send operator actions.
 * Everything goes through Temporal; there is no other API server.
 */
import {
  Client,
  Connection,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { mapBounded } from '../tools/concurrency-limit.js';
import { bootMacConflicts } from '../api/boot-mac.js';
import { parseManifests, type ManifestError, type ManifestSource, type ResolvedHost, type SealedSecretsOf } from '../api/manifest.js';
import type { BareMetalHostSpec, BareMetalHostStatus } from '../api/types.js';
import { connectionOptions, type TemporalConfig } from '../config/temporal.js';
import {
  HOST_WORKFLOW_TYPE,
  MemoKey,
  SearchAttr,
  parseHostWorkflowId,
  TaskQueue,
  annotateUpdate,
  applySpecUpdate,
  hostQuery,
  hostWorkflowId,
  type BmhView,
  type HostDefinition,
  type HostSummary,
  type HostView,
  type HostWorkflow,
  type HostWorkflowInput,
} from '../contract/index.js';
import type { HostSecrets, SecretPurpose } from '../secrets/sealed-types.js';
import type { Sealer } from '../secrets/sealer.js';
import { validateDefinition } from '../api/change-rules.js';
import type { AnnotationEdit } from '../api/annotations.js';
import { HostNotFoundError, InvalidManifestError, TemporalUnreachableError, WaitTimeoutError } from './errors.js';

export interface ApplyOutcome {
  namespace: string;
  name: string;
  result: 'created' | 'configured' | 'unchanged' | 'valid (dry run)';
  generation?: number;
  /** The spec applied (what `apply --wait` waits for). */
  spec?: BareMetalHostSpec;
}

export interface ApplyResult {
  hosts: ApplyOutcome[];
  warnings: string[];
}

export interface PendingActivity {
  activityType: string;
  attempt: number;
  state: string;
  lastFailure?: string;
  scheduledAt?: string;
}

export interface HostDescription {
  view: HostView;
  workflowId: string;
  runId: string;
  pendingActivities: PendingActivity[];
}

/** Parses and validates manifests; throws InvalidManifestError listing every problem. Needs no server. */
export function loadManifests(sources: ManifestSource[], sealedSecretsOf?: SealedSecretsOf): { hosts: ResolvedHost[]; warnings: string[] } {
  const parsed = parseManifests(sources, sealedSecretsOf);
  if (parsed.errors.length > 0) throw new InvalidManifestError(parsed.errors);
  if (parsed.hosts.length === 0 && parsed.secrets.length === 0) {
    throw new InvalidManifestError([{ document: sources.map((s) => s.name).join(', '), field: '(root)', reason: 'no BareMetalHost or Secret objects found' }]);
  }
  return { hosts: parsed.hosts, warnings: parsed.warnings };
}

/** Seals each referenced Secret for this host's namespace and the field that references it. */
export function sealHost(resolved: ResolvedHost, sealer: Sealer): HostDefinition {
  const secrets: HostSecrets = {};
  const namespace = resolved.host.metadata.namespace;
  for (const [field, secret] of Object.entries(resolved.secrets)) {
    const purpose = field as SecretPurpose;
    if (secret) secrets[purpose] = sealer.seal({ namespace, purpose }, secret.metadata.name, secret.data);
  }
  return { host: resolved.host, secrets, ...(resolved.firmware ? { firmware: resolved.firmware } : {}) };
}

/** Hosts described at once by `get -o wide` (one DescribeWorkflowExecution each). */
export const DESCRIBE_CONCURRENCY = 16;

/** Hosts applied at once by `apply` (each is one update-with-start round trip). */
const APPLY_CONCURRENCY = 16;

/** Host queries in flight at once (`get -o yaml|json`, `apply`'s reads of the hosts it changes). */
export const QUERY_CONCURRENCY = 32;

export class MetalflowClient {
  constructor(
    readonly temporal: Client,
    readonly config: Pick<TemporalConfig, 'address' | 'namespace'>,
    /** Seals Secrets at `apply` with the workers' public key (it cannot open them). */
    private readonly sealer?: Sealer,
    /** Where new host workflows run (the host workers' task queue). */
    readonly taskQueue: string = TaskQueue.hosts,
  ) {}

  /** Connects and checks the namespace answers, so an unreachable server fails here, clearly. */
  static async connect(config: TemporalConfig, sealer?: Sealer, taskQueue: string = TaskQueue.hosts): Promise<MetalflowClient> {
    let connection: Connection;
    try {
      connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: '5s' });
      await connection.workflowService.describeNamespace({ namespace: config.namespace });
    } catch (err) {
      throw new TemporalUnreachableError(config.address, config.namespace, err);
    }
    return new MetalflowClient(new Client({ connection, namespace: config.namespace }), config, sealer, taskQueue);
  }

  async close(): Promise<void> {
    await this.temporal.connection.close();
  }

  handle(namespace: string, name: string): WorkflowHandle {
    return this.temporal.workflow.getHandle(hostWorkflowId(namespace, name));
  }

  /**
   * Applies manifests: all documents are validated (including what may change on existing hosts)
   * before any host is touched. Each host is started or updated with update-with-start, so
   * applying the same file twice changes nothing.
   */
  async apply(sources: ManifestSource[]): Promise<ApplyResult> {
    if (!this.sealer) throw new Error('apply needs the sealing public key (METALFLOW_SEAL_PUBLIC_KEY(_FILE); `metalflow keys public`)');
    const { hosts, warnings } = await this.loadAgainstRunningHosts(sources);
    const sealer = this.sealer;
    const definitions = hosts.map((h) => sealHost(h, sealer));

    const existing = await mapBounded(definitions, QUERY_CONCURRENCY, (d) => this.view(d.host.metadata.namespace, d.host.metadata.name).catch((err: unknown) => {
      if (err instanceof HostNotFoundError) return undefined;
      throw err;
    }));
    const errors: ManifestError[] = [];
    definitions.forEach((d, i) => {
      const current = existing[i];
      // An exported status that cannot be adopted refuses a new host only: an existing one ignores it.
      if (!current) {
        errors.push(...(hosts[i]?.adoptionErrors ?? []));
        return;
      }
      const document = `BareMetalHost ${d.host.metadata.namespace}/${d.host.metadata.name}`;
      if (current.deleting) errors.push({ document, field: 'metadata.name', reason: 'host is being deleted; apply it again once deletion finished' });
      const sent = { host: d.host, secrets: { ...current.secretRefs, ...d.secrets } }; // Secrets named but not sent are the sealed ones kept
      const problems = validateDefinition(sent, { metadata: { name: current.name, namespace: current.namespace }, spec: current.spec }, { state: current.status.provisioning.state, detached: current.detached });
      for (const p of problems) errors.push({ document, ...p });
    });
    // A boot MAC names one host across every namespace and network: refuse one that another host has.
    if (definitions.some((d) => d.host.spec.bootMACAddress)) {
      const others = (await this.views()).map((v) => ({ namespace: v.namespace, name: v.name, bootMACAddress: v.spec.bootMACAddress }));
      errors.push(...bootMacConflicts(definitions.map((d) => ({ namespace: d.host.metadata.namespace ?? 'default', name: d.host.metadata.name, bootMACAddress: d.host.spec.bootMACAddress })), others));
    }
    if (errors.length > 0) throw new InvalidManifestError(errors);
    definitions.forEach((d, i) => {
      const current = existing[i];
      if (current && (hosts[i]?.importedStatus || hosts[i]?.adoptionErrors)) {
        warnings.push(`BareMetalHost ${d.host.metadata.namespace}/${d.host.metadata.name}: status ignored: host already managed (state ${current.status.provisioning.state || 'new'})`);
      }
    });

    // Several hosts at once (each waits for its workflow to accept the spec); outcomes keep file order.
    const outcomes = await mapBounded(definitions, APPLY_CONCURRENCY, async (definition, i): Promise<ApplyOutcome> => {
      const { namespace, name } = definition.host.metadata;
      const workflowId = hostWorkflowId(namespace, name);
      // An exported status is adopted by a new host only: a running workflow is the source of truth.
      const imported = hosts[i]?.importedStatus;
      const input: HostWorkflowInput = { definition, ...(imported && !existing[i] ? { imported } : {}) };
      const startWorkflowOperation = new WithStartWorkflowOperation<HostWorkflow>(HOST_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // The Temporal UI's one-line summary; the live state is in the Bmh* columns, the BmhView memo and the current details.
        staticSummary: `BareMetalHost ${namespace}/${name}`,
      });
      try {
        const res = await this.temporal.workflow.executeUpdateWithStart(applySpecUpdate, { args: [definition], startWorkflowOperation });
        return { namespace, name, generation: res.generation, spec: definition.host.spec, result: !existing[i] ? 'created' : res.changed ? 'configured' : 'unchanged' };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          throw new InvalidManifestError([{ document: `BareMetalHost ${namespace}/${name}`, field: 'spec', reason: err.cause?.message ?? err.message }]);
        }
        throw err;
      }
    });
    return { hosts: outcomes, warnings };
  }

  /**
   * Loads manifests; when they name Secrets they do not carry (a re-applied `get -o yaml`), the
   * Secrets already sealed under those names in the running hosts count as present.
   */
  private async loadAgainstRunningHosts(sources: ManifestSource[]): Promise<{ hosts: ResolvedHost[]; warnings: string[] }> {
    try {
      return loadManifests(sources);
    } catch (err) {
      if (!(err instanceof InvalidManifestError)) throw err;
      const sealed = new Map<string, Map<string, Set<string>>>();
      for (const v of await this.views()) {
        const names = new Map<string, Set<string>>();
        for (const ref of Object.values(v.secretRefs)) names.set(ref.name, new Set([...(names.get(ref.name) ?? []), ...ref.keys]));
        sealed.set(`${v.namespace}/${v.name}`, names);
      }
      if (sealed.size === 0) throw err;
      return loadManifests(sources, (namespace, name) => sealed.get(`${namespace}/${name}`));
    }
  }

  /** The host as its workflow sees it; a deleted host (completed workflow) is not found. */
  async view(namespace: string, name: string): Promise<HostView> {
    const handle = this.handle(namespace, name);
    try {
      const d = await handle.describe();
      if (d.status.name !== 'RUNNING') throw new HostNotFoundError(namespace, name);
      return await handle.query(hostQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HostNotFoundError(namespace, name);
      throw err;
    }
  }

  async status(namespace: string, name: string): Promise<BareMetalHostStatus> {
    return (await this.view(namespace, name)).status;
  }

  /**
   * The hosts running on this deployment's task queue (optionally in one BareMetalHost namespace),
   * as visibility shows them: search attributes and the BmhView memo, no query, so no worker is
   * needed and hosts whose worker is down are listed too. Visibility is eventually consistent
   * (about a second behind on the dev server). Another deployment sharing the Temporal namespace
   * (another task queue) is not ours: its hosts are not listed.
   */
  async list(namespace?: string): Promise<HostSummary[]> {
    const hosts: HostSummary[] = [];
    for await (const wf of this.temporal.workflow.list({ query: this.runningHostsQuery(namespace) })) {
      const host = summaryOf(wf);
      if (host) hosts.push(host);
    }
    return hosts.sort(byName);
  }

  /**
   * The full views of the hosts `list` finds, one query per host (needs their worker; a host whose
   * worker does not answer is left out). For `get -o yaml|json` (the whole status) and `apply`.
   */
  async views(namespace?: string): Promise<HostView[]> {
    return (await this.viewsOf(namespace)).views;
  }

  /** `views` plus the hosts (`ns/name`) whose query failed, for callers that must say who is missing (`get -o yaml|json`). */
  async viewsOf(namespace?: string): Promise<{ views: HostView[]; unanswered: string[] }> {
    const ids: string[] = [];
    for await (const wf of this.temporal.workflow.list({ query: this.runningHostsQuery(namespace) })) ids.push(wf.workflowId);
    const views = await mapBounded(ids, QUERY_CONCURRENCY, (id) => this.temporal.workflow.getHandle(id).query(hostQuery).catch(() => undefined));
    const unanswered = ids.filter((_, i) => views[i] === undefined).map((id) => {
      const h = parseHostWorkflowId(id);
      return h ? `${h.namespace}/${h.name}` : id;
    });
    return { views: views.filter((v): v is HostView => v !== undefined).sort(byName), unanswered: unanswered.sort() };
  }

  /**
   * One host's search attributes and memo, from the server's own record of the workflow
   * (DescribeWorkflowExecution: consistent, unlike the visibility list; no query, no worker).
   */
  async summary(namespace: string, name: string): Promise<HostSummary> {
    try {
      const d = await this.handle(namespace, name).describe();
      const host = d.status.name === 'RUNNING' ? summaryOf(d) : undefined;
      if (!host) throw new HostNotFoundError(namespace, name);
      return host;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HostNotFoundError(namespace, name);
      throw err;
    }
  }

  /** Polls `summary` until `predicate` holds; throws with the last status on timeout. No query, no worker needed. */
  async waitForSummary(namespace: string, name: string, predicate: (h: HostSummary) => boolean, timeoutMs: number, pollMs = 500): Promise<HostSummary> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const last = await this.summary(namespace, name);
      if (predicate(last)) return last;
      if (Date.now() >= deadline) {
        throw new WaitTimeoutError(name, `${last.state || 'new'}, ${last.operationalStatus}${last.errorType ? `, ${last.errorType}: ${last.errorMessage}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /**
   * The activity each host runs now (`get -o wide` STEP), from DescribeWorkflowExecution's pending
   * activities: one describe per host (no query, no worker), so only for the wide table.
   */
  async withSteps<T extends HostSummary>(hosts: T[]): Promise<Array<T & { step: string }>> {
    return mapBounded(hosts, DESCRIBE_CONCURRENCY, async (h) => {
      const d = await this.handle(h.namespace, h.name).describe().catch(() => undefined);
      return { ...h, step: (d?.raw.pendingActivities ?? []).map((a) => a.activityType?.name ?? '?').join(',') };
    });
  }

  private runningHostsQuery(namespace?: string): string {
    const quote = (v: string): string => `'${v.replace(/'/g, "''")}'`;
    const filter = `${namespace ? ` AND ${SearchAttr.namespace.name} = ${quote(namespace)}` : ''} AND TaskQueue = ${quote(this.taskQueue)}`;
    return `WorkflowType = '${HOST_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'${filter}`;
  }

  async describe(namespace: string, name: string): Promise<HostDescription> {
    const view = await this.view(namespace, name);
    const handle = this.handle(namespace, name);
    const d = await handle.describe();
    const pending = (d.raw.pendingActivities ?? []).map((a: temporal.api.workflow.v1.IPendingActivityInfo): PendingActivity => ({
      activityType: a.activityType?.name ?? '?',
      attempt: a.attempt ?? 1,
      state: String(a.state ?? ''),
      ...(a.lastFailure?.message ? { lastFailure: a.lastFailure.message } : {}),
    }));
    return { view, workflowId: d.workflowId, runId: d.runId, pendingActivities: pending };
  }

  /** Polls until `predicate` holds; throws with the last status on timeout. */
  async waitFor(namespace: string, name: string, predicate: (v: HostView) => boolean, timeoutMs: number, pollMs = 500): Promise<HostView> {
    const deadline = Date.now() + timeoutMs;
    let last: HostView | undefined;
    for (;;) {
      last = await this.view(namespace, name);
      if (predicate(last)) return last;
      if (Date.now() >= deadline) {
        const s = last.status;
        throw new WaitTimeoutError(name, `${s.provisioning.state || 'new'}, ${s.operationalStatus}${s.errorType ? `, ${s.errorType}: ${s.errorMessage}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Waits until the host's workflow has completed (host deleted). */
  async waitDeleted(namespace: string, name: string, timeoutMs: number): Promise<void> {
    const result = this.handle(namespace, name).result();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WaitTimeoutError(name, 'not deleted yet')), timeoutMs);
    });
    try {
      await Promise.race([result, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Edits a host's annotations as `kubectl annotate` does (`overwrite` to replace a key that has a
   * value); the workflow checks the result like an apply and reports `field: reason`.
   */
  async annotate(namespace: string, name: string, edits: AnnotationEdit[], overwrite: boolean): Promise<{ generation: number; changed: boolean }> {
    await this.summary(namespace, name);
    try {
      return await this.handle(namespace, name).executeUpdate(annotateUpdate, { args: [{ edits, overwrite }] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        throw new InvalidManifestError([{ document: `BareMetalHost ${namespace}/${name}`, field: 'metadata.annotations', reason: err.cause?.message ?? err.message }]);
      }
      throw err;
    }
  }

  /** Sends an operator signal to a running host (unknown hosts are reported as such). */
  async signal<Args extends unknown[]>(namespace: string, name: string, signal: SignalDefinition<Args>, ...args: Args): Promise<void> {
    await this.summary(namespace, name); // clear "not found" rather than a signal to nowhere (no query: no worker needed)
    await this.handle(namespace, name).signal(signal, ...args);
  }
}

const byName = (a: { namespace: string; name: string }, b: { namespace: string; name: string }): number => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);

/** No memo yet: the workflow has not published (its worker never ran it). */
const NO_MEMO: BmhView = {
  uid: '', generation: 0, createdAt: '', labels: {}, consumer: '', bmcAddress: '', online: false, image: '', provisionedImage: '',
  hardwareProfile: '', errorMessage: '', errorCount: 0, inspectedAt: '', detached: false, rebootRequests: 0, rebootPending: false,
};

/** A host workflow's search attributes and memo as a HostSummary; undefined for a workflow id that names no host. */
export function summaryOf(wf: Pick<WorkflowExecutionInfo, 'workflowId' | 'memo' | 'typedSearchAttributes' | 'startTime'>): HostSummary | undefined {
  const id = parseHostWorkflowId(wf.workflowId);
  if (!id) return undefined;
  const sa = wf.typedSearchAttributes;
  // Keyword search attributes say "none" for an empty value (workflows/search-attributes.ts).
  const keyword = (v: string | undefined): string => (v === undefined || v === 'none' ? '' : v);
  const published = wf.memo?.[MemoKey.view] as Partial<BmhView> | undefined;
  const memo = { ...NO_MEMO, createdAt: wf.startTime.toISOString(), ...published };
  return {
    ...memo,
    ...(published === undefined ? { noView: true as const } : {}),
    name: sa.get(SearchAttr.name) ?? id.name,
    namespace: sa.get(SearchAttr.namespace) ?? id.namespace,
    state: keyword(sa.get(SearchAttr.state)) as HostSummary['state'],
    operationalStatus: keyword(sa.get(SearchAttr.operationalStatus)),
    errorType: keyword(sa.get(SearchAttr.errorType)),
    poweredOn: sa.get(SearchAttr.poweredOn) ?? false,
  };
}
