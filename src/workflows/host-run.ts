/**
 * One host's run of the workflow: its definition, status and operator flags, and the bookkeeping
 * every state handler shares — publishing status, errors and backoff, steps, transitions,
 * registration. The handlers (handlers/) and the reconcile rules (reconcile.ts) act through it;
 * signal handlers (signals.ts) only record intent on it and wake the loop.
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation, log, patched, setCurrentDetails, upsertMemo, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import { adoptImportedStatus, type ImportedStatus } from '../api/imported-status.js';
import { Annotation, detachArguments, inspectionRefreshRequested } from '../api/annotations.js';
import { inspectionDisabled } from '../api/annotation-rules.js';
import { firmwarePending } from './firmware.js';
import { hardwareProfileName } from '../api/hardware-profile.js';
import { ErrorType, OperationalStatus, ProvisioningState as S, type BareMetalHostStatus, type ErrorType as ErrorTypeT, type HardwareDetails, type ProvisioningState } from '../api/types.js';
import { DEFAULT_HOST_SETTINGS, MemoKey, type BmhView, type CarriedState, type SlotRequest, type StepInput, type HostDefinition, type HostBootMode, type HostFlags, type HostSettings, type HostTarget, type HostWorkflowInput } from '../contract/index.js';
import { FailureType } from '../errors.js';
import type { HostActivities } from '../activities/index.js';
import { RetryState, TemporalFailure, type RetryPolicy } from '@temporalio/common';
import { bmc, bmcCall, localFirstAttempt } from './activity-proxies.js';
import { retryableFailure } from './activity-retry.js';
import type { BmcActivity } from './activity-timeouts.js';
import { backoffMs, delayedRetryMs, slotRecheckMs } from './backoff.js';

import { desiredEvent, type DesireInput } from './desired-event.js';
import { hostMetrics } from './metrics.js';
import { IdlePower, noteStep } from './idle-power.js';
import { appendNote } from './notes.js';
import { changedSearchAttributes, searchAttributesOf, type HostSearchAttributes } from './search-attributes.js';
import { bmhViewOf, changedMemo, currentDetailsOf } from './visibility-memo.js';
import { DELETED, StateTrait, nextTransition, stateIs, statesWith, type GuardContext, type HostEvent } from './state-machine.js';

const INTERRUPTED = Symbol('interrupted');

/**
 * Marks runs that act on BMO's annotations (re-inspect, hardware details, reboot, detached,
 * paused): asked only when such an annotation is present, so other hosts' histories get no marker.
 * Runs recorded before it ignored those annotations.
 */
export const METAL3_ANNOTATIONS_PATCH = 'metal3-annotations';

/**
 * Marks runs whose available hosts go back to preparing when spec.raid or spec.rootDeviceHints
 * changed or firmware work is pending (BMO handleAvailable). Runs before it ignored them there.
 */
export const PREPARE_ON_CHANGE_PATCH = 'prepare-on-change';

/** Marks runs that honour spec.disablePowerOff (reboot instead of power off); asked only for such hosts. */
export const DISABLE_POWER_OFF_PATCH = 'disable-power-off';

/**
 * Marks runs with issue 14's workflow changes (fleet scale and cost), all under this one id, since
 * each id costs every new run a marker and an upsert: provisioning slots from the task queue's
 * semaphore (exact limit: forced slots for deleted hosts deprovisioning, an ask repeated when a
 * slot-free signal came meanwhile) instead of a visibility count; the BmhView memo; idle hosts'
 * power watched by their worker (re-registered after any other step, a wake-up during the
 * registration acted on, its reports waking only the idle wait, the watch dropped on detach); the last agent command ending its session; local activities for the
 * short local calls. Those changes first carried seven ids that were never released (no running
 * host recorded them; the last release, 6b55277, has none of them), so they were merged here. Once
 * a release has recorded this id, a change must not add behaviour behind it: that needs a new id.
 * Asked where each change acts (asking again costs nothing); where a predicate or a later step
 * depends on the answer it is memoised, as prepareOnChange.
 */
export const FLEET_SCALE_PATCH = 'fleet-scale-14';

export type StepResult<T> = { ok: true; value: T } | { ok: false; interrupted: boolean; failureType?: string };

/** What the boot services told this run about the agent of the current boot (signals). */
export interface AgentReports {
  /** The open agent session; signals of any other session are late and ignored. */
  session?: string;
  callbackUrl?: string;
  hardware?: HardwareDetails;
  inspectionError?: string;
  /** The boot services end the session themselves now that its inspection was delivered. */
  sessionEnded?: boolean;
}

function initialStatus(now: string): BareMetalHostStatus {
  return {
    operationalStatus: OperationalStatus.OK,
    errorType: ErrorType.None,
    errorMessage: '',
    errorCount: 0,
    provisioningFailCount: 0,
    lastUpdated: now,
    poweredOn: false,
    provisioning: { state: S.None, ID: '' },
    operationHistory: {
      register: { start: null, end: null },
      inspect: { start: null, end: null },
      provision: { start: null, end: null },
      deprovision: { start: null, end: null },
    },
  };
}

export class HostRun {
  readonly workflowId = workflowInfo().workflowId;
  def: HostDefinition;
  readonly uid: string;
  generation: number;
  readonly createdAt: string;
  readonly status: BareMetalHostStatus;
  readonly flags: HostFlags;
  opSeq: number;
  /** BMC address + credentials version that last registered successfully. */
  registeredAs: string | undefined;
  /** When the current error backoff ends (ms since epoch). */
  retryAt: number | undefined;
  deleteFailures: number;
  /** A status exported from Metal3 that this host adopts once registered (then cleared). */
  imported: ImportedStatus | undefined;
  /** Waiting for a provisioning slot (opStatus `delayed`). */
  delayed = false;
  /** When this run entered the current state (workflow time), for BMO's operation durations; unknown after continue-as-new. */
  stateSince: number | undefined;
  /** A servicing step runs (opStatus `servicing`; firmware.ts). */
  servicing = false;
  private step_ = 'starting';
  settings: HostSettings = DEFAULT_HOST_SETTINGS;
  readonly agent: AgentReports = {};
  /** The idle power watch of this run (idle-power.ts). */
  readonly idle = new IdlePower();
  /** The host is deleted: the workflow completes. */
  finished = false;
  /** Counts wake-ups (any signal or update); waits compare against it. */
  wakeups = 0;
  /** The wake-ups that were the power watch's reports (counted in `wakeups` too): see wakeCount. */
  driftWakeups = 0;
  /** Counts what cuts an error backoff short (`retry`, a spec change, delete). */
  backoffCut = 0;
  readonly notes: string[];
  /**
   * patched(PREPARE_ON_CHANGE_PATCH), asked once per run when the host is first seen available
   * (memoiseAvailable), never from a condition predicate; desiredEvent reads it.
   */
  prepareOnChange: boolean | undefined;
  /** Holds or waits for a slot at the provisioning semaphore (carried over continue-as-new). */
  slotAsked: boolean;
  /** patched(FLEET_SCALE_PATCH), asked once per run at its first capacity-gated transition: the semaphore, not the visibility count. */
  private semaphore: boolean | undefined;
  /** The last ask could not reach the semaphore (so no wake-up signal will come). */
  private slotAskFailed = false;
  /** patched(METAL3_ANNOTATIONS_PATCH), asked once per run, the first time an annotation is present (acts). */
  private metal3Annotations: boolean | undefined;
  private published: HostSearchAttributes | undefined;
  /** The memo as last published (or as carried over from the run before: continue-as-new keeps it). */
  private publishedMemo = workflowInfo().memo?.[MemoKey.view] as BmhView | undefined;

  constructor(input: HostWorkflowInput) {
    const c = input.carried;
    this.def = input.definition;
    this.uid = c?.uid ?? uuid4();
    this.generation = c?.generation ?? 1;
    this.createdAt = c?.createdAt ?? new Date().toISOString();
    this.status = c?.status ?? initialStatus(this.createdAt);
    this.flags = c?.flags ?? { deleting: false, detached: false, paused: false, inspectRequested: false, reregister: false };
    this.opSeq = c?.opSeq ?? 0;
    this.registeredAs = c?.registeredAs;
    this.retryAt = c?.retryAt;
    this.deleteFailures = c?.deleteFailures ?? 0;
    this.imported = c ? c.imported : input.imported;
    if (!c && input.imported) adoptImportedStatus(this.status, input.imported);
    this.notes = c?.notes ?? [];
    this.slotAsked = c?.slotAsked === true;
    if (!this.status.provisioning.ID) this.status.provisioning.ID = this.uid;
  }

  /** What the workflow is doing now; the Temporal UI shows it (current details, no command). */
  get currentStep(): string {
    return this.step_;
  }

  set currentStep(step: string) {
    this.step_ = step;
    this.showDetails();
  }

  state(): ProvisioningState {
    return this.status.provisioning.state;
  }

  get spec(): HostDefinition['host']['spec'] {
    return this.def.host.spec;
  }

  get annotations(): Record<string, string> {
    return this.def.host.metadata.annotations ?? {};
  }

  /**
   * Whether this run acts on the BMO annotation `key` (present, and the run is past
   * METAL3_ANNOTATIONS_PATCH). The patch is asked only when an annotation is present, once per run
   * (memoised), and never from a condition predicate: desireInput reads the memo only.
   */
  acts(present: boolean): boolean {
    if (!present) return false;
    this.metal3Annotations ??= patched(METAL3_ANNOTATIONS_PATCH);
    return this.metal3Annotations;
  }

  /**
   * Asks, at a deterministic point of the main loop (the desire rule, in available), the patches
   * that desireInput depends on there, so the predicates that evaluate desiredEvent only read memos.
   */
  memoiseAvailable(): void {
    if (this.state() !== S.Available) return;
    this.prepareOnChange ??= patched(PREPARE_ON_CHANGE_PATCH);
    if (inspectionRefreshRequested(this.annotations)) this.acts(true);
  }

  /** spec.disablePowerOff, for runs past DISABLE_POWER_OFF_PATCH. */
  powerOffDisabled(): boolean {
    return this.spec.disablePowerOff === true && patched(DISABLE_POWER_OFF_PATCH);
  }

  inspectionDisabled(): boolean {
    return inspectionDisabled(this.annotations, this.spec.inspectionMode);
  }

  /** Records what BMO would publish as an event (describe shows them); a repeat of the last one is not kept twice. */
  note(text: string): void {
    if (appendNote(this.notes, text)) log.info('host note', { note: text });
  }

  /**
   * Deletes annotations the workflow consumed, as BMO deletes them from the object: the definition
   * moves to a new generation. The user's file still has them, so applying it again re-adds them
   * (kubectl apply does the same with BMO).
   */
  removeAnnotations(keys: readonly string[]): void {
    const current = this.annotations;
    const gone = keys.filter((k) => Object.prototype.hasOwnProperty.call(current, k));
    if (gone.length === 0) return;
    const annotations = Object.fromEntries(Object.entries(current).filter(([k]) => !gone.includes(k)));
    this.def = { ...this.def, host: { ...this.def.host, metadata: { ...this.def.host.metadata, annotations } } };
    this.generation += 1;
    log.info('annotations consumed', { annotations: gone });
  }

  /** A BMC call sized for this worker's driver waits (see activity-timeouts.ts). */
  bmc(activity: BmcActivity, retryPolicy?: RetryPolicy): HostActivities {
    return bmcCall(this.settings.bmcWaits, activity, retryPolicy);
  }

  wake(): void {
    this.wakeups += 1;
  }

  /** A powerDrift report: meant for the idle wait only (wakeCount). */
  wakeByDrift(): void {
    this.driftWakeups += 1;
    this.wake();
  }

  /**
   * The wake-ups a wait counts. A power watch report is meant for the idle wait (`drift`); in runs
   * past FLEET_SCALE_PATCH any other wait (a provisioning slot, detached, the per-interval poll)
   * leaves it out, so a report does not make the host ask again or re-run its loop (the report
   * stays recorded: the next idle wait reads the power). Asks the patch: never from a predicate.
   */
  wakeCount(drift = false): () => number {
    if (drift || !patched(FLEET_SCALE_PATCH)) return () => this.wakeups;
    return () => this.wakeups - this.driftWakeups;
  }

  cutBackoff(): void {
    this.backoffCut += 1;
    this.wake();
  }

  /** Deterministic per step: retries of one activity reuse it, the next attempt of the step does not. */
  opId(step: string): string {
    return `${this.uid}/${++this.opSeq}-${step}`;
  }

  target(): HostTarget {
    const { spec, metadata } = this.def.host;
    return {
      workflowId: this.workflowId,
      uid: this.uid,
      namespace: metadata.namespace,
      name: metadata.name,
      bmcAddress: spec.bmc?.address ?? '',
      ...(spec.bmc?.disableCertificateVerification !== undefined ? { disableCertificateVerification: spec.bmc.disableCertificateVerification } : {}),
      ...(this.def.secrets.credentials ? { credentials: this.def.secrets.credentials } : {}),
      annotations: this.annotations,
      ...(spec.bootMACAddress ? { bootMACAddress: spec.bootMACAddress } : {}),
      ...(this.powerOffDisabled() ? { disablePowerOff: true } : {}),
    };
  }

  registrationIdentity(): string {
    return `${this.spec.bmc?.address ?? ''}#${this.def.secrets.credentials?.version ?? ''}`;
  }

  desireInput(): DesireInput {
    return {
      state: this.state(),
      spec: this.spec,
      status: this.status,
      deleting: this.flags.deleting,
      // BMO reads inspect.metal3.io only in available (handleAvailable); desiredEvent does too.
      // The annotation counts only for runs past METAL3_ANNOTATIONS_PATCH (memoised in memoiseAvailable).
      inspectRequested: this.flags.inspectRequested || (this.metal3Annotations === true && inspectionRefreshRequested(this.annotations)),
      maxProvisioningRetries: this.settings.maxProvisioningRetries,
      firmwarePending: firmwarePending(this),
      prepareOnChange: this.prepareOnChange === true,
    };
  }

  carried(): CarriedState {
    const { uid, generation, createdAt, status, flags, opSeq, deleteFailures, registeredAs, retryAt, imported, notes, slotAsked } = this;
    return {
      uid, generation, createdAt, status, flags, opSeq, deleteFailures,
      ...(notes.length > 0 ? { notes } : {}),
      ...(registeredAs !== undefined ? { registeredAs } : {}),
      ...(retryAt !== undefined ? { retryAt } : {}),
      ...(imported !== undefined ? { imported } : {}),
      ...(slotAsked ? { slotAsked } : {}),
    };
  }

  /** Derives the operational status and upserts the search attributes that changed. */
  publish(): void {
    const { status, flags } = this;
    status.operationalStatus = flags.detached
      ? OperationalStatus.Detached
      : status.errorType
        ? OperationalStatus.Error
        : this.delayed
          ? OperationalStatus.Delayed
          : this.servicing
            ? OperationalStatus.Servicing
            : this.state() === S.Unmanaged
            ? OperationalStatus.Discovered
            : OperationalStatus.OK;
    status.lastUpdated = new Date().toISOString();
    status.hardwareProfile = hardwareProfileName(this.spec, status.hardwareProfile);
    const next = searchAttributesOf(this.def.host.metadata.name, this.def.host.metadata.namespace, status);
    const changes = changedSearchAttributes(this.published, next);
    if (changes.length > 0) upsertSearchAttributes(changes);
    this.published = next;
    this.publishMemo();
    this.showDetails();
  }

  /** Upserts the BmhView memo if its content changed (runs past FLEET_SCALE_PATCH only). */
  publishMemo(): void {
    const next = bmhViewOf({ uid: this.uid, generation: this.generation, createdAt: this.createdAt, host: this.def.host, status: this.status, flags: this.flags });
    const memo = changedMemo(this.publishedMemo, next);
    if (!memo) return;
    // Asked at each change, not memoised: a run recorded before the patch starts publishing at its first live change.
    if (!patched(FLEET_SCALE_PATCH)) return;
    upsertMemo({ [MemoKey.view]: memo });
    this.publishedMemo = memo;
  }

  private showDetails(): void {
    setCurrentDetails(currentDetailsOf(this.state(), this.status.operationalStatus, this.step_, this.status));
  }

  setError(type: ErrorTypeT, message: string): void {
    const { status } = this;
    status.errorType = type;
    status.errorMessage = message;
    status.errorCount += 1;
    this.retryAt = Date.now() + backoffMs(status.errorCount, Math.random, this.backoffUnitMs());
    log.warn('host error', { errorType: type, errorMessage: message, errorCount: status.errorCount });
    hostMetrics.error(type);
    this.publish();
  }

  clearError(): void {
    const { status } = this;
    if (status.errorType === ErrorType.None && status.errorCount === 0) return;
    status.errorType = ErrorType.None;
    status.errorMessage = '';
    status.errorCount = 0;
    this.retryAt = undefined;
    this.publish();
  }

  /** Waits out the error backoff; `retry`, a spec change or delete cut it short. */
  async waitBackoff(): Promise<void> {
    if (this.retryAt === undefined) return;
    const left = this.retryAt - Date.now();
    const cut = this.backoffCut;
    this.currentStep = `backing off after ${this.status.errorType} (error ${this.status.errorCount})`;
    if (left > 0) await condition(() => this.backoffCut !== cut, left);
    this.retryAt = undefined;
  }

  /** Sleeps until a signal or update arrives (a power watch report only with `drift`: wakeCount), or `timeoutMs` passes; true when woken. */
  async sleep(timeoutMs?: number, opts: { drift?: boolean } = {}): Promise<boolean> {
    const count = this.wakeCount(opts.drift);
    const seen = count();
    if (timeoutMs === undefined) {
      await condition(() => count() !== seen);
      return true;
    }
    return condition(() => count() !== seen, timeoutMs);
  }

  /**
   * Feeds an event to the transition table. Entering a capacity-gated state without a free
   * provisioning slot leaves the host where it is, `delayed`, until a slot may be free (1-2 min)
   * or something wakes it; the caller's handler simply runs again.
   */
  async advance(event: HostEvent): Promise<boolean> {
    const from = this.state();
    const t = nextTransition(from, event, this.guardContext());
    if (!t) {
      log.error('no transition', { from, event });
      return false;
    }
    // Counted before asking: a slot-free signal that arrives while the ask completes is not lost.
    const count = this.wakeCount();
    const seen = count();
    if (t.needsCapacity && !(await this.hasCapacity())) {
      hostMetrics.delayed(this.hostKey(), t.to);
      this.currentStep = `delayed: waiting for a provisioning slot to enter ${t.to}`;
      if (count() !== seen && patched(FLEET_SCALE_PATCH)) return false; // woken meanwhile: the handler asks again now
      // With the semaphore a freed slot wakes the host (signal); the timer is only a safety net.
      const queued = this.semaphore === true && !this.slotAskFailed;
      await this.sleep(queued ? slotRecheckMs(Math.random, this.backoffUnitMs()) : delayedRetryMs(Math.random, this.backoffUnitMs()));
      return false;
    }
    if (!t.needsCapacity && t.to !== DELETED && stateIs(t.to, StateTrait.busy) && !this.slotAsked && this.settings.provisioningLimit > 0 && patched(FLEET_SCALE_PATCH)) {
      await this.forceSlot();
    }
    log.info('transition', { from, event, to: t.to, why: t.why });
    if (t.to !== DELETED) {
      hostMetrics.transition(this.hostKey(), from, t.to, this.stateSince);
      this.stateSince = Date.now();
      this.status.provisioning.state = t.to;
      this.delayed = false;
      this.publish();
    } else hostMetrics.deleted(this.hostKey()); // a sink call: no command, replay unchanged
    if (this.slotAsked && (t.to === DELETED || !stateIs(t.to, StateTrait.busy))) await this.releaseSlot();
    return true;
  }

  /** Runs one step; failure records the host error (the caller decides what next). */
  async step<T>(name: string, errorType: ErrorTypeT, fn: () => Promise<T>, opts: { keepError?: boolean; interruptible?: boolean } = {}): Promise<StepResult<T>> {
    this.currentStep = name;
    noteStep(this.idle, name);
    const started = Date.now();
    const wanted = (): boolean => opts.interruptible === true && desiredEvent(this.desireInput()) !== undefined;
    try {
      const result = await interruptible(fn, wanted);
      if (result === INTERRUPTED) return { ok: false, interrupted: true };
      hostMetrics.step(name, true, started);
      // A success clears the error it could have caused (BMO clears errors per operation).
      if (!opts.keepError && (this.status.errorType === errorType || this.status.errorType === ErrorType.None)) this.clearError();
      return { ok: true, value: result };
    } catch (err) {
      if (isCancellation(err)) throw err;
      hostMetrics.step(name, false, started);
      this.setError(errorType, describeFailure(err));
      const failureType = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type ?? undefined : undefined;
      return { ok: false, interrupted: false, ...(failureType ? { failureType } : {}) };
    }
  }

  /** Registration (also re-run from any state when credentials or the address change). */
  async register(errorType: ErrorTypeT, interruptible = false): Promise<boolean> {
    const identity = this.registrationIdentity();
    const creds = this.def.secrets.credentials;
    const namespace = this.def.host.metadata.namespace;
    if (creds) this.status.triedCredentials = { credentials: { name: creds.name, namespace }, credentialsVersion: creds.version };
    hostMetrics.registrationRequired();
    const r = await this.step('registerHost', errorType, () => this.registerCall({ target: this.target(), opId: this.opId('register') }), { interruptible });
    if (!r.ok) {
      if (!r.interrupted && r.failureType === FailureType.BmcAuthenticationError) {
        hostMetrics.credentialsInvalid();
        // Bad credentials: retrying on a timer only risks locking the BMC account. Wait for new
        // credentials (applySpec), `retry` or delete.
        this.currentStep = 'waiting for new BMC credentials';
        this.retryAt = undefined;
        const cut = this.backoffCut;
        await condition(() => this.backoffCut !== cut);
      }
      return false;
    }
    this.registeredAs = identity;
    this.flags.reregister = false;
    this.status.poweredOn = r.value.poweredOn;
    if (creds) this.status.goodCredentials = { credentials: { name: creds.name, namespace }, credentialsVersion: creds.version };
    this.publish();
    return true;
  }

  /**
   * The BMC registration (two Redfish reads): in runs past FLEET_SCALE_PATCH its first attempt is a
   * local activity of at most Timeouts.localCallMs. A BMC that is slower or fails retryably gets the
   * normal activity, with its derived timeout and retries; a refusal (bad credentials) is final.
   */
  private async registerCall(input: StepInput): Promise<{ poweredOn: boolean }> {
    if (!patched(FLEET_SCALE_PATCH)) return this.bmc('registerHost').registerHost(input);
    try {
      return await localFirstAttempt.registerHost(input);
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = asActivityFailure(err, 'registerHost');
      if (!retryableFailure(failure)) throw failure;
      log.info('registering as a local activity failed: as an activity', { error: describeFailure(failure) });
      return this.bmc('registerHost').registerHost(input);
    }
  }

  private guardContext(): GuardContext {
    const { spec } = this;
    return {
      hasBmc: Boolean(spec.bmc?.address),
      externallyProvisioned: spec.externallyProvisioned === true,
      inspectionDisabled: this.inspectionDisabled(),
      deleting: this.flags.deleting,
      // BMO (#3213): the detached annotation counts for deletion before the status says detached,
      // unless its deleteAction is `delay` (BMO delayDeleteForDetachedHost: deprovisioned as usual).
      detached: this.flags.detached || (this.acts(Annotation.detached in this.annotations) && detachArguments(this.annotations)?.args.deleteAction !== 'delay'),
      ...(this.imported ? { imported: this.imported.state } : {}),
    };
  }

  /** The host's BMO metric labels (namespace, host). */
  hostKey(): { namespace: string; name: string } {
    return { namespace: this.def.host.metadata.namespace, name: this.def.host.metadata.name };
  }

  private async hasCapacity(): Promise<boolean> {
    this.semaphore ??= patched(FLEET_SCALE_PATCH);
    const ok = this.semaphore ? await this.acquireSlot() : await bmc.hasProvisioningCapacity({ workflowId: this.workflowId, limit: this.settings.provisioningLimit, busyStates: statesWith(StateTrait.busy) });
    if (!ok && !this.delayed) {
      this.delayed = true;
      log.info('provisioning limit reached: delayed', { limit: this.settings.provisioningLimit });
      this.publish();
    }
    return ok;
  }

  /**
   * Asks the task queue's semaphore; not granted, the host is queued there and woken by signal.
   * A normal activity, not a local one: a local activity keeps its workflow task (and the worker's
   * workflow task slot) open until it returns, and the update it sends needs a workflow task of the
   * semaphore on the same worker; a burst of asking hosts would hold every slot the semaphore needs.
   */
  private async acquireSlot(): Promise<boolean> {
    const limit = this.settings.provisioningLimit;
    if (limit <= 0) return true;
    this.slotAsked = true;
    try {
      const { granted } = await bmc.acquireProvisioningSlot(this.slotRequest());
      this.slotAskFailed = false;
      return granted;
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Not queued at the semaphore, so no signal will come: ask again after BMO's delay (1-2 min).
      this.slotAskFailed = true;
      log.warn('asking for a provisioning slot failed: delayed', { error: describeFailure(err) });
      return false;
    }
  }

  private slotRequest(): SlotRequest {
    return {
      holder: this.workflowId,
      chain: workflowInfo().firstExecutionRunId,
      limit: this.settings.provisioningLimit,
      reclaimCheckMs: this.backoffUnitMs(),
      maxHistoryEvents: this.settings.maxHistoryEvents,
    };
  }

  /**
   * Entering a busy state that needs no slot (a deleted host deprovisioning): recorded at the
   * semaphore anyway, forced (counted, never refused), and released on leaving as usual. A failed
   * ask does not hold the host back: only the count misses it.
   */
  private async forceSlot(): Promise<void> {
    this.slotAsked = true;
    try {
      await bmc.acquireProvisioningSlot({ ...this.slotRequest(), force: true });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('recording a forced provisioning slot failed', { error: describeFailure(err) });
    }
  }

  /** Leaving the busy states (or deleted): the slot goes back, or the host stops waiting for one. */
  private async releaseSlot(): Promise<void> {
    try {
      await bmc.releaseProvisioningSlot({ holder: this.workflowId });
      this.slotAsked = false;
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Kept asked: the next transition out of a busy state releases again; the semaphore reclaims it when the host ends.
      log.warn('releasing the provisioning slot failed', { error: describeFailure(err) });
    }
  }

  private backoffUnitMs(): number {
    return this.settings.backoffUnitMs ?? DEFAULT_HOST_SETTINGS.backoffUnitMs;
  }
}

/** Runs `fn`; if `stop` becomes true first, cancels it (the activity sees the cancellation on its next heartbeat). */
async function interruptible<T>(fn: () => Promise<T>, stop: () => boolean): Promise<T | typeof INTERRUPTED> {
  const work = new CancellationScope();
  const watch = new CancellationScope();
  const done = work.run(fn);
  const stopped = watch.run(() => condition(stop)).then(
    () => INTERRUPTED,
    () => undefined,
  );
  const first = await Promise.race([done.then((v) => ({ v })), stopped]);
  if (first === INTERRUPTED) {
    work.cancel();
    await done.catch(() => undefined);
    return INTERRUPTED;
  }
  watch.cancel();
  return (first as { v: T }).v;
}

/**
 * A local activity's failure reaches the workflow as its cause alone (no ActivityFailure around
 * it): wrapped here as a normal activity's failure is, so step() and describeFailure read both alike.
 */
function asActivityFailure(err: unknown, activityType: string): unknown {
  if (err instanceof ActivityFailure || !(err instanceof TemporalFailure)) return err;
  return new ActivityFailure(err.message, activityType, undefined, RetryState.MAXIMUM_ATTEMPTS_REACHED, undefined, err);
}

export function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    return `${err.activityType}: ${cause?.message ?? err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The host's spec.bootMode for the BMC, when it says one (the activities default to UEFI). */
export function bootModeOf(host: Pick<HostRun, 'spec'>): { bootMode?: HostBootMode } {
  const mode = host.spec.bootMode;
  return mode ? { bootMode: mode } : {};
}
