/**
 * One BareMetalHost = one long-running workflow. The loop asks the desired spec for an event
 * (desired-event.ts), or runs the current state's action; either way the resulting event goes
 * through the transition table (state-machine.ts). Signals and updates only record intent; the
 * loop acts on it at the next safe point, so handlers never race with activities.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { HostActivities } from '../activities/index.js';
import type { BootActivities } from '../activities/boot-activities.js';
import { parseBmcAddress } from '../api/bmc-address.js';
import { provisioningNetworkOf } from '../api/provisioning-network.js';
import type { HostTarget } from '../activities/types.js';
import {
  ErrorType,
  OperationalStatus,
  ProvisioningState as S,
  type BareMetalHostStatus,
  type ErrorType as ErrorTypeT,
  type HardwareDetails,
  type ProvisioningState,
} from '../api/types.js';
import {
  TaskQueue,
  agentHeartbeatSignal,
  agentInspectionSignal,
  applySpecUpdate,
  attachSignal,
  deleteSignal,
  deprovisionSignal,
  detachSignal,
  hostQuery,
  inspectSignal,
  pauseSignal,
  powerOffSignal,
  powerOnSignal,
  rebootSignal,
  resumeSignal,
  retrySignal,
  statusQuery,
  DEFAULT_BMC_WAITS,
  DEFAULT_HOST_SETTINGS,
  Timeouts,
  type HostDefinition,
  type HostSettings,
  type HostView,
  type RebootMode,
} from '../contract.js';
import { ACTIVITY_RETRY as retry, RETRY_MAXIMUM_ATTEMPTS, SINGLE_ATTEMPT, retryDelayMs, retryableFailure } from './activity-retry.js';
import { bmcActivityTimeouts, type BmcActivity } from './activity-timeouts.js';
import { backoffMs, delayedRetryMs } from './backoff.js';
import { desiredEvent, retryLimitMessage, retryLimitReached, sameImage } from './desired-event.js';
import { changedSearchAttributes, searchAttributesOf, type HostSearchAttributes } from './search-attributes.js';
import { definitionFingerprint, validateDefinition } from './spec-rules.js';
import {
  DELETED,
  DETACHABLE_STATES,
  HostEvent,
  MAX_DELETE_FAILURES,
  POWER_MANAGED_STATES,
  STABLE_STATES,
  nextTransition,
  type GuardContext,
} from './state-machine.js';

/** Calls without driver waits (settings, capacity, forget); BMC calls get timeouts from their waits (bmcFor). */
const bmc = proxyActivities<HostActivities>({ startToCloseTimeout: Timeouts.bmcCallMs, retry });
/** Long hardware operations: heartbeat so a dead worker is noticed within seconds, not the full timeout. */
const hardware = proxyActivities<HostActivities>({
  startToCloseTimeout: Timeouts.hardwareOperationMs,
  heartbeatTimeout: Timeouts.heartbeatMs,
  retry,
});

/** Boot-services activities: they run on the host's provisioning network's boot worker, next to the agent API. */
const bootActivitiesOn = (network: string): BootActivities =>
  proxyActivities<BootActivities>({
    taskQueue: TaskQueue.boot(network),
    scheduleToStartTimeout: Timeouts.bootServicesScheduleMs,
    startToCloseTimeout: Timeouts.hardwareOperationMs,
    heartbeatTimeout: Timeouts.heartbeatMs * 4,
    retry,
  });

/**
 * Marks runs that give each agent boot attempt its own session and token (opened while the machine
 * is off) and end the session before the power action that follows the agent's work. Runs recorded
 * before it keep their command order.
 */
export const AGENT_TOKEN_PER_BOOT_PATCH = 'agent-token-per-boot';

/** Host state carried across continue-as-new, exactly. */
export interface CarriedState {
  uid: string;
  generation: number;
  createdAt: string;
  status: BareMetalHostStatus;
  flags: HostFlags;
  opSeq: number;
  /** BMC address + credentials version that last registered successfully. */
  registeredAs?: string;
  /** When the current error backoff ends (ms since epoch). */
  retryAt?: number;
  /** Cleanup failures while deleting (give up after MAX_DELETE_FAILURES). */
  deleteFailures: number;
}

export interface HostFlags {
  deleting: boolean;
  detached: boolean;
  detachRequest?: { force: boolean; deleteAction: 'delete' | 'delay' };
  paused: boolean;
  inspectRequested: boolean;
  rebootRequested?: RebootMode;
  reregister: boolean;
}

export interface HostWorkflowInput {
  definition: HostDefinition;
  carried?: CarriedState;
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

const INTERRUPTED = Symbol('interrupted');

export async function hostWorkflow(input: HostWorkflowInput): Promise<void> {
  const info = workflowInfo();
  let def = input.definition;
  const c = input.carried;
  const uid = c?.uid ?? uuid4();
  let generation = c?.generation ?? 1;
  const createdAt = c?.createdAt ?? new Date().toISOString();
  const status: BareMetalHostStatus = c?.status ?? initialStatus(createdAt);
  const flags: HostFlags = c?.flags ?? { deleting: false, detached: false, paused: false, inspectRequested: false, reregister: false };
  let opSeq = c?.opSeq ?? 0;
  let registeredAs = c?.registeredAs;
  let retryAt = c?.retryAt;
  let deleteFailures = c?.deleteFailures ?? 0;
  let delayed = false;
  let currentStep = 'starting';
  let wakeups = 0;
  let backoffCut = 0;
  let published: HostSearchAttributes | undefined;
  let settings: HostSettings = DEFAULT_HOST_SETTINGS;
  if (!status.provisioning.ID) status.provisioning.ID = uid;

  const wake = (): void => {
    wakeups += 1;
  };
  const cutBackoff = (): void => {
    backoffCut += 1;
    wake();
  };

  // ---- handlers: record intent, wake the loop
  setHandler(statusQuery, () => status);
  setHandler(hostQuery, (): HostView => ({
    name: def.host.metadata.name,
    namespace: def.host.metadata.namespace,
    generation,
    createdAt,
    spec: def.host.spec,
    annotations: def.host.metadata.annotations ?? {},
    status,
    paused: flags.paused,
    detached: flags.detached,
    deleting: flags.deleting,
    ...(retryAt !== undefined ? { nextRetryAt: new Date(retryAt).toISOString() } : {}),
    currentStep,
  }));
  setHandler(
    applySpecUpdate,
    (next) => {
      // Sealing is randomised: compare Secret versions, not ciphertexts, so re-applying is a no-op.
      if (definitionFingerprint(next) === definitionFingerprint(def)) return { generation, changed: false };
      def = next;
      generation += 1;
      cutBackoff();
      return { generation, changed: true };
    },
    {
      validator: (next) => {
        if (flags.deleting) throw ApplicationFailure.nonRetryable('host is being deleted; wait for deletion to finish before applying it again', 'HostDeleting');
        const errors = validateDefinition(next, def.host, { state: status.provisioning.state, detached: flags.detached });
        if (errors.length > 0) {
          throw ApplicationFailure.nonRetryable(errors.map((e) => `${e.field}: ${e.reason}`).join('; '), 'InvalidSpec', errors);
        }
      },
    },
  );
  const editSpec = (edit: (spec: HostDefinition['host']['spec']) => void): void => {
    const spec = JSON.parse(JSON.stringify(def.host.spec)) as HostDefinition['host']['spec']; // no structuredClone in the sandbox
    edit(spec);
    if (JSON.stringify(spec) === JSON.stringify(def.host.spec)) return;
    def = { ...def, host: { ...def.host, spec } };
    generation += 1;
    cutBackoff();
  };
  // Like `kubectl patch`: these signals edit the desired spec, as a Metal3 user would.
  setHandler(deprovisionSignal, () => editSpec((s) => {
    delete s.image;
    delete s.customDeploy;
  }));
  setHandler(powerOnSignal, () => editSpec((s) => void (s.online = true)));
  setHandler(powerOffSignal, () => editSpec((s) => void (s.online = false)));
  setHandler(rebootSignal, (arg) => {
    flags.rebootRequested = arg?.mode ?? 'soft';
    wake();
  });
  setHandler(inspectSignal, () => {
    flags.inspectRequested = true;
    wake();
  });
  setHandler(retrySignal, () => {
    if (retryLimitReached({ spec: def.host.spec, status, maxProvisioningRetries: settings.maxProvisioningRetries })) {
      status.provisioningFailCount = 0;
    }
    cutBackoff();
  });
  setHandler(detachSignal, (arg) => {
    flags.detachRequest = { force: arg?.force ?? false, deleteAction: arg?.deleteAction ?? 'delete' };
    wake();
  });
  setHandler(attachSignal, () => {
    delete flags.detachRequest;
    if (flags.detached) {
      flags.detached = false;
      flags.reregister = true; // BMO re-adopts the node when the detached annotation goes away
    }
    cutBackoff();
  });
  setHandler(pauseSignal, () => {
    flags.paused = true;
    wake();
  });
  setHandler(resumeSignal, () => {
    flags.paused = false;
    wake();
  });
  setHandler(deleteSignal, () => {
    flags.deleting = true;
    cutBackoff();
  });
  // The agent protocol: signals from the boot services for the current agent session only.
  let agentSession: string | undefined;
  let agentCallbackUrl: string | undefined;
  let agentHardware: HardwareDetails | undefined;
  let agentInspectionError: string | undefined;
  setHandler(agentHeartbeatSignal, (arg) => {
    if (arg.session !== agentSession) return; // a late heartbeat from an earlier boot
    agentCallbackUrl = arg.callbackUrl;
    wake();
  });
  setHandler(agentInspectionSignal, (arg) => {
    if (arg.session !== agentSession) return;
    agentHardware = arg.hardware;
    agentInspectionError = arg.error;
    wake();
  });

  settings = await bmc.loadHostSettings();
  // Each BMC activity's timeout holds the waits of this worker's drivers (a soft power off, then the force off).
  const bmcTimeouts = bmcActivityTimeouts(settings.bmcWaits ?? DEFAULT_BMC_WAITS);
  const bmcFor = (activity: BmcActivity, retryPolicy = retry): HostActivities =>
    proxyActivities<HostActivities>({ startToCloseTimeout: bmcTimeouts[activity], retry: retryPolicy });

  // ---- helpers
  const state = (): ProvisioningState => status.provisioning.state;
  const now = (): string => new Date().toISOString();
  const opId = (step: string): string => `${uid}/${++opSeq}-${step}`;
  const target = (): HostTarget => ({
    workflowId: info.workflowId,
    uid,
    namespace: def.host.metadata.namespace,
    name: def.host.metadata.name,
    bmcAddress: def.host.spec.bmc?.address ?? '',
    ...(def.host.spec.bmc?.disableCertificateVerification !== undefined ? { disableCertificateVerification: def.host.spec.bmc.disableCertificateVerification } : {}),
    ...(def.secrets.credentials ? { credentials: def.secrets.credentials } : {}),
    annotations: def.host.metadata.annotations ?? {},
    ...(def.host.spec.bootMACAddress ? { bootMACAddress: def.host.spec.bootMACAddress } : {}),
  });
  const registrationIdentity = (): string => `${def.host.spec.bmc?.address ?? ''}#${def.secrets.credentials?.version ?? ''}`;
  const guardContext = (): GuardContext => ({
    hasBmc: Boolean(def.host.spec.bmc?.address),
    externallyProvisioned: def.host.spec.externallyProvisioned === true,
    inspectionDisabled:
      def.host.spec.inspectionMode === 'disabled' || def.host.metadata.annotations?.['inspect.metal3.io'] === 'disabled',
    deleting: flags.deleting,
    detached: flags.detached,
  });

  const publish = (): void => {
    status.operationalStatus = flags.detached
      ? OperationalStatus.Detached
      : status.errorType
        ? OperationalStatus.Error
        : delayed
          ? OperationalStatus.Delayed
          : state() === S.Unmanaged
            ? OperationalStatus.Discovered
            : OperationalStatus.OK;
    status.lastUpdated = now();
    const next = searchAttributesOf(def.host.metadata.name, def.host.metadata.namespace, status);
    const changes = changedSearchAttributes(published, next);
    if (changes.length > 0) upsertSearchAttributes(changes);
    published = next;
  };

  const setError = (type: ErrorTypeT, message: string): void => {
    status.errorType = type;
    status.errorMessage = message;
    status.errorCount += 1;
    retryAt = Date.now() + backoffMs(status.errorCount, Math.random, settings.backoffUnitMs ?? DEFAULT_HOST_SETTINGS.backoffUnitMs);
    log.warn('host error', { errorType: type, errorMessage: message, errorCount: status.errorCount });
    publish();
  };
  const clearError = (): void => {
    if (status.errorType === ErrorType.None && status.errorCount === 0) return;
    status.errorType = ErrorType.None;
    status.errorMessage = '';
    status.errorCount = 0;
    retryAt = undefined;
    publish();
  };

  /** Waits out the error backoff; `retry`, a spec change or delete cut it short. */
  const waitBackoff = async (): Promise<void> => {
    if (retryAt === undefined) return;
    const left = retryAt - Date.now();
    const cut = backoffCut;
    currentStep = `backing off after ${status.errorType} (error ${status.errorCount})`;
    if (left > 0) await condition(() => backoffCut !== cut, left);
    retryAt = undefined;
  };

  /**
   * Feeds an event to the transition table. Entering a capacity-gated state without a free
   * provisioning slot leaves the host where it is, `delayed`, until a slot may be free (1-2 min)
   * or something wakes it; the caller's action simply runs again.
   */
  const advance = async (event: HostEvent): Promise<boolean> => {
    const from = state();
    const t = nextTransition(from, event, guardContext());
    if (!t) {
      log.error('no transition', { from, event });
      return false;
    }
    if (t.needsCapacity && !(await hasCapacity())) {
      currentStep = `delayed: waiting for a provisioning slot to enter ${t.to}`;
      const seen = wakeups;
      await condition(() => wakeups !== seen, delayedRetryMs(Math.random, settings.backoffUnitMs ?? DEFAULT_HOST_SETTINGS.backoffUnitMs));
      return false;
    }
    log.info('transition', { from, event, to: t.to, why: t.why });
    if (t.to === DELETED) return true;
    status.provisioning.state = t.to;
    delayed = false;
    publish();
    return true;
  };

  /** Runs `fn`; if `stop` becomes true first, cancels it (the activity sees the cancellation on its next heartbeat). */
  const interruptible = async <T>(fn: () => Promise<T>, stop: () => boolean): Promise<T | typeof INTERRUPTED> => {
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
  };

  const describeFailure = (err: unknown): string => {
    if (err instanceof ActivityFailure) {
      const cause = err.cause;
      return `${err.activityType}: ${cause?.message ?? err.message}`;
    }
    return err instanceof Error ? err.message : String(err);
  };

  /** Runs one step; failure records the host error (the caller decides what next). */
  const step = async <T>(
    name: string,
    errorType: ErrorTypeT,
    fn: () => Promise<T>,
    opts: { keepError?: boolean; interruptible?: boolean } = {},
  ): Promise<{ ok: true; value: T } | { ok: false; interrupted: boolean; failureType?: string }> => {
    currentStep = name;
    const wanted = (): boolean => opts.interruptible === true && desiredEvent(desireInput()) !== undefined;
    try {
      const result = await interruptible(fn, wanted);
      if (result === INTERRUPTED) return { ok: false, interrupted: true };
      // A success clears the error it could have caused (BMO clears errors per operation).
      if (!opts.keepError && (status.errorType === errorType || status.errorType === ErrorType.None)) clearError();
      return { ok: true, value: result };
    } catch (err) {
      if (isCancellation(err)) throw err;
      setError(errorType, describeFailure(err));
      const failureType = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type ?? undefined : undefined;
      return { ok: false, interrupted: false, ...(failureType ? { failureType } : {}) };
    }
  };

  const desireInput = () => ({
    state: state(),
    spec: def.host.spec,
    status,
    deleting: flags.deleting,
    inspectRequested: flags.inspectRequested,
    maxProvisioningRetries: settings.maxProvisioningRetries,
  });

  const hasCapacity = async (): Promise<boolean> => {
    const ok = await bmc.hasProvisioningCapacity({ workflowId: info.workflowId, limit: settings.provisioningLimit });
    if (!ok && !delayed) {
      delayed = true;
      log.info('provisioning limit reached: delayed', { limit: settings.provisioningLimit });
      publish();
    }
    return ok;
  };

  /** Acts on a desired event, with its bookkeeping. */
  const enter = async (event: HostEvent): Promise<void> => {
    if (event === HostEvent.Provision) {
      await waitBackoff(); // a failed provisioning attempt backs off before the next one
      if (desiredEvent(desireInput()) !== HostEvent.Provision) return;
      if (!sameImage(def.host.spec.image, status.lastAttemptedImage)) status.provisioningFailCount = 0;
    }
    const image = def.host.spec.image;
    if (!(await advance(event))) return;
    if (event === HostEvent.Provision) status.lastAttemptedImage = image;
    if (event === HostEvent.Inspect) flags.inspectRequested = false;
    if (event === HostEvent.Unadopt && image) status.provisioning.image = image;
  };

  /** Real BMC hosts are inspected, cleaned and deployed by the Ironic agent, unless the worker simulates it. */
  const usesAgentProtocol = (): boolean => {
    if (settings.agent !== 'ipa') return false;
    try {
      return parseBmcAddress(def.host.spec.bmc?.address ?? '').driver !== 'fake';
    } catch {
      return false;
    }
  };

  /**
   * One agent boot: open the session (fresh token), network-boot the agent, run `fn`, close the
   * session. `fn` may end the session early (`endSession`) before powering the machine off: Ironic
   * wipes the token on every power action.
   */
  const withAgent = async <T>(fn: (boot: BootActivities, endSession: () => Promise<void>) => Promise<T>, opts: { inspect?: boolean } = {}): Promise<T> => {
    const mac = def.host.spec.bootMACAddress;
    if (!mac) throw ApplicationFailure.nonRetryable('spec.bootMACAddress is needed to recognise the agent of this host', 'MissingBootMAC');
    const macs = [mac, ...(status.hardware?.nics ?? []).map((n) => n.mac)];
    const tokenPerBoot = patched(AGENT_TOKEN_PER_BOOT_PATCH);
    const network = def.secrets.preprovisioningNetworkData;
    // The whole session stays with the boot worker it was opened on, even if the annotation changes.
    const boot = bootActivitiesOn(provisioningNetworkOf(def.host.metadata.annotations));
    let session = '';
    const open = async (): Promise<void> => {
      session = `${uid}/${++opSeq}-agent`;
      agentSession = session;
      agentCallbackUrl = undefined;
      agentHardware = undefined;
      agentInspectionError = undefined;
      await boot.expectAgent({ workflowId: info.workflowId, uuid: uid, name: def.host.metadata.name, macs, session, ...(network ? { preprovisioningNetworkData: network } : {}), ...(opts.inspect ? { inspect: true } : {}) });
    };
    let ended = false;
    const end = async (): Promise<void> => {
      if (ended) return;
      ended = true;
      agentSession = undefined;
      await CancellationScope.nonCancellable(() => boot.endAgent({ uuid: uid, session }));
    };
    if (!tokenPerBoot) {
      await open();
      try {
        await bmcFor('bootAgent').bootAgent({ target: target(), opId: opId('boot-agent') });
        return await fn(boot, async () => undefined);
      } finally {
        await end();
      }
    }
    try {
      await bootAgentWithFreshToken(open);
      return await fn(boot, end);
    } finally {
      await end();
    }
  };
  /**
   * Boot attempts retried here rather than by Temporal: a retried power-cycle would boot an agent
   * whose lookup finds the token already revealed to the previous one. So each attempt powers the
   * machine off (no agent of an earlier attempt runs), then opens a new session with a fresh
   * token, then boots.
   */
  const bootAgentWithFreshToken = async (open: () => Promise<void>): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      await bmcFor('setPowerState').setPowerState({ target: target(), opId: opId('power-off-agent-boot'), on: false, force: true });
      await open();
      try {
        await bmcFor('bootAgent', SINGLE_ATTEMPT).bootAgent({ target: target(), opId: opId('boot-agent') });
        return;
      } catch (err) {
        if (isCancellation(err) || attempt >= RETRY_MAXIMUM_ATTEMPTS || !retryableFailure(err)) throw err;
        log.warn('agent boot failed; retrying with a fresh agent token', { attempt, error: describeFailure(err) });
        await sleep(retryDelayMs(attempt));
      }
    }
  };
  const waitForAgent = async (ready: () => boolean, what: string): Promise<void> => {
    const timeoutMs = settings.agentCallbackTimeoutMs ?? 30 * 60_000;
    currentStep = `waiting for the agent to ${what}`;
    if (!(await condition(ready, timeoutMs))) {
      throw ApplicationFailure.nonRetryable(`the agent did not ${what} within ${Math.round(timeoutMs / 1000)}s (did the host network-boot the agent?)`, 'AgentTimeout');
    }
  };
  const agentRef = (): { uuid: string; session: string } => ({ uuid: uid, session: agentSession ?? '' });

  const actions: Partial<Record<ProvisioningState, () => Promise<void>>> = {
    [S.None]: async () => void (await advance(HostEvent.Start)),

    [S.Registering]: async () => {
      // Already registered with these details (e.g. delayed by the provisioning limit): just move on.
      if (registeredAs !== registrationIdentity() || flags.reregister) {
        status.operationHistory.register = { start: now(), end: null };
        const r = await register(ErrorType.Registration, true);
        if (!r) return waitBackoff();
        status.operationHistory.register.end = now();
      }
      await advance(HostEvent.Registered);
    },

    [S.Inspecting]: async () => {
      status.operationHistory.inspect = { start: now(), end: null };
      const mode = def.host.spec.inspectionMode === 'fast' ? 'fast' : 'agent';
      const inspect = async (): Promise<HardwareDetails> => {
        if (mode === 'agent' && usesAgentProtocol()) {
          return withAgent(async (_boot, endSession) => {
            await waitForAgent(() => agentHardware !== undefined, 'send inspection data');
            await endSession(); // before the power off: the agent's token must not outlive its boot
            if (agentInspectionError !== undefined) {
              await bmcFor('setPowerState').setPowerState({ target: target(), opId: opId('power-off-inspection-failed'), on: false, force: true });
              throw ApplicationFailure.nonRetryable(`Ramdisk reported error: ${agentInspectionError}`, 'AgentInspectionError');
            }
            const found = agentHardware as HardwareDetails;
            await bmcFor('setPowerState').setPowerState({ target: target(), opId: opId('power-off-inspected'), on: false, force: true });
            return found;
          }, { inspect: true });
        }
        return hardware.inspectHardware({ target: target(), opId: opId('inspect'), mode });
      };
      const r = await step('inspectHardware', ErrorType.Inspection, inspect, { interruptible: true });
      if (!r.ok) return r.interrupted ? undefined : waitBackoff();
      status.hardware = r.value as HardwareDetails;
      status.poweredOn = false;
      status.operationHistory.inspect.end = now();
      await advance(HostEvent.Inspected);
    },

    [S.Preparing]: async () => {
      const r = await step('prepareHost', ErrorType.Preparation, () => hardware.prepareHost({ target: target(), opId: opId('prepare') }), { interruptible: true });
      if (!r.ok) return r.interrupted ? undefined : waitBackoff();
      status.provisioning.rootDeviceHints = def.host.spec.rootDeviceHints;
      status.provisioning.bootMode = def.host.spec.bootMode ?? 'UEFI';
      await advance(HostEvent.Prepared);
    },

    [S.Provisioning]: async () => {
      const spec = def.host.spec;
      const image = spec.image;
      if (!image) {
        setError(ErrorType.Provisioning, `customDeploy (${spec.customDeploy?.method ?? ''}) needs a deploy agent; the ${def.host.spec.bmc?.address.split(':')[0] ?? ''} driver has none`);
        status.provisioningFailCount += 1;
        await advance(HostEvent.ProvisionFailed);
        return;
      }
      status.operationHistory.provision = { start: now(), end: null };
      const secrets = {
        ...(def.secrets.userData ? { userData: def.secrets.userData } : {}),
        ...(def.secrets.networkData ? { networkData: def.secrets.networkData } : {}),
        ...(def.secrets.metaData ? { metaData: def.secrets.metaData } : {}),
        ...(def.secrets.preprovisioningNetworkData ? { preprovisioningNetworkData: def.secrets.preprovisioningNetworkData } : {}),
      };
      const viaAgent = async (): Promise<void> =>
        withAgent(async (boot, endSession) => {
          await waitForAgent(() => agentCallbackUrl !== undefined, 'boot and heartbeat');
          if (spec.automatedCleaningMode !== 'disabled') await boot.agentClean(agentRef());
          await boot.agentDeploy({
            ...agentRef(),
            name: def.host.metadata.name,
            namespace: def.host.metadata.namespace,
            image,
            ...(spec.rootDeviceHints ? { rootDeviceHints: spec.rootDeviceHints } : {}),
            ...(spec.bootMode ? { bootMode: spec.bootMode } : {}),
            secrets,
          });
          await endSession();
          await bmcFor('bootFromDisk').bootFromDisk({ target: target(), opId: opId('boot-disk'), on: spec.online });
        });
      const r = await step(
        'provisionHost',
        ErrorType.Provisioning,
        () =>
          usesAgentProtocol() ? viaAgent() : hardware.provisionHost({
            target: target(),
            opId: opId('provision'),
            image,
            ...(spec.rootDeviceHints ? { rootDeviceHints: spec.rootDeviceHints } : {}),
            ...(spec.bootMode ? { bootMode: spec.bootMode } : {}),
            cleanFirst: spec.automatedCleaningMode !== 'disabled',
            online: spec.online,
            secrets,
          }),
        { interruptible: true },
      );
      if (!r.ok) {
        if (r.interrupted) return;
        // BMO: a provisioning error deprovisions (cleans up) before the next attempt, which backs off.
        status.provisioningFailCount += 1;
        await advance(HostEvent.ProvisionFailed);
        return;
      }
      status.provisioningFailCount = 0;
      status.provisioning.image = image;
      status.provisioning.rootDeviceHints = spec.rootDeviceHints;
      status.poweredOn = spec.online;
      status.operationHistory.provision.end = now();
      await advance(HostEvent.Provisioned);
    },

    [S.Deprovisioning]: async () => {
      // Cleaning up after a failed provisioning attempt (not an operator's deprovision, nor a retry of a failed one).
      const afterFailure = status.provisioningFailCount > 0;
      if (status.operationHistory.deprovision.end !== null || status.operationHistory.deprovision.start === null) {
        status.operationHistory.deprovision = { start: now(), end: null };
      }
      const r = await step(
        'deprovisionHost',
        ErrorType.Provisioning,
        async () => {
          const cleaningMode = def.host.spec.automatedCleaningMode ?? 'metadata';
          if (!usesAgentProtocol()) return hardware.deprovisionHost({ target: target(), opId: opId('deprovision'), cleaningMode });
          if (cleaningMode === 'metadata') {
            await withAgent(async (boot) => {
              await waitForAgent(() => agentCallbackUrl !== undefined, 'boot and heartbeat');
              await boot.agentClean(agentRef());
            });
          }
          await bmcFor('setPowerState').setPowerState({ target: target(), opId: opId('power-off-deprovisioned'), on: false, force: true });
        },
        { keepError: afterFailure }, // the provisioning error stays until a provisioning attempt succeeds
      );
      if (!r.ok) {
        if (flags.deleting && ++deleteFailures > MAX_DELETE_FAILURES) return void (await advance(HostEvent.GiveUp));
        return waitBackoff();
      }
      delete status.provisioning.image;
      status.poweredOn = false;
      status.operationHistory.deprovision.end = now();
      await advance(HostEvent.Deprovisioned);
    },

    [S.PoweringOffBeforeDelete]: async () => {
      const r = await step('setPowerState', ErrorType.PowerManagement, () => bmcFor('setPowerState').setPowerState({ target: target(), opId: opId('power-off-delete'), on: false, force: true }));
      if (!r.ok) {
        if (++deleteFailures > MAX_DELETE_FAILURES) return void (await advance(HostEvent.GiveUp));
        return waitBackoff();
      }
      status.poweredOn = false;
      await advance(HostEvent.PoweredOff);
    },
  };

  /** Registration (also re-run from any state when credentials or the address change). */
  const register = async (errorType: ErrorTypeT, interruptible = false): Promise<boolean> => {
    const identity = registrationIdentity();
    const creds = def.secrets.credentials;
    if (creds) status.triedCredentials = { credentials: { name: creds.name, namespace: def.host.metadata.namespace }, credentialsVersion: creds.version };
    const r = await step('registerHost', errorType, () => bmcFor('registerHost').registerHost({ target: target(), opId: opId('register') }), { interruptible });
    if (!r.ok) {
      if (!r.interrupted && r.failureType === 'BmcAuthenticationError') {
        // Bad credentials: retrying on a timer only risks locking the BMC account. Wait for new
        // credentials (applySpec), `retry` or delete.
        currentStep = 'waiting for new BMC credentials';
        retryAt = undefined;
        const cut = backoffCut;
        await condition(() => backoffCut !== cut);
      }
      return false;
    }
    registeredAs = identity;
    flags.reregister = false;
    status.poweredOn = r.value.poweredOn;
    if (creds) status.goodCredentials = { credentials: { name: creds.name, namespace: def.host.metadata.namespace }, credentialsVersion: creds.version };
    publish();
    return true;
  };

  /** Stable states: reboots, power enforcement, periodic power sync; returns when something may have changed. */
  const steady = async (): Promise<void> => {
    const s = state();
    if (delayed) {
      delayed = false; // the desire that needed a slot went away
      publish();
    }
    if (flags.rebootRequested && POWER_MANAGED_STATES.includes(s)) {
      const mode = flags.rebootRequested;
      const r = await step('rebootHost', ErrorType.PowerManagement, () => bmcFor('rebootHost').rebootHost({ target: target(), opId: opId(`reboot-${mode}`), mode }));
      if (!r.ok) return waitBackoff();
      delete flags.rebootRequested;
      status.poweredOn = true;
      publish();
      return;
    }
    if (POWER_MANAGED_STATES.includes(s) && def.host.spec.online !== status.poweredOn) {
      const on = def.host.spec.online;
      const r = await step('setPowerState', ErrorType.PowerManagement, () => bmcFor('setPowerState').setPowerState({ target: target(), opId: opId(on ? 'power-on' : 'power-off'), on }));
      if (!r.ok) return waitBackoff();
      status.poweredOn = on;
      publish();
      return;
    }
    if (s === S.Available && retryLimitReached(desireInput()) && def.host.spec.online) {
      const message = retryLimitMessage(status.provisioningFailCount, settings.maxProvisioningRetries);
      if (status.errorMessage !== message) {
        status.errorType = ErrorType.Provisioning;
        status.errorMessage = message;
        publish();
      }
    }
    currentStep = s === S.Unmanaged ? 'waiting for BMC details' : 'waiting (power sync)';
    const seen = wakeups;
    const woken = await condition(() => wakeups !== seen, settings.powerSyncIntervalMs);
    if (!woken && POWER_MANAGED_STATES.includes(s)) {
      const r = await step('getPowerState', ErrorType.PowerManagement, () => bmcFor('getPowerState').getPowerState(target()));
      if (!r.ok) return waitBackoff();
      if (status.poweredOn !== r.value) {
        status.poweredOn = r.value;
        publish();
      }
    }
  };

  const shouldContinueAsNew = (): boolean => {
    const now = workflowInfo();
    return now.continueAsNewSuggested || now.historyLength >= settings.maxHistoryEvents;
  };

  // ---- the loop
  publish();
  for (;;) {
    if (flags.paused) {
      currentStep = 'paused';
      await condition(() => !flags.paused);
      continue;
    }
    if (shouldContinueAsNew()) {
      currentStep = 'continuing as new';
      await condition(allHandlersFinished);
      const carried: CarriedState = { uid, generation, createdAt, status, flags, opSeq, deleteFailures, ...(registeredAs !== undefined ? { registeredAs } : {}), ...(retryAt !== undefined ? { retryAt } : {}) };
      await continueAsNew<typeof hostWorkflow>({ definition: def, carried });
    }

    // Detach: honoured in stable states, anywhere with force (BMO detached annotation).
    if (flags.detachRequest && !flags.detached && (flags.detachRequest.force || DETACHABLE_STATES.includes(state()))) {
      flags.detached = true;
      publish();
    }
    if (flags.detached) {
      if (flags.deleting && flags.detachRequest?.deleteAction !== 'delay') {
        await advance(HostEvent.Delete);
      } else {
        currentStep = 'detached';
        const seen = wakeups;
        await condition(() => wakeups !== seen);
        continue;
      }
    }

    if (state() === S.Deleting) {
      currentStep = 'forgetHost';
      if (def.host.spec.bmc?.address) {
        await bmc.forgetHost({ target: target(), opId: opId('forget') }).catch((err: unknown) => log.warn('forget failed; deleting anyway', { error: describeFailure(err) }));
      }
      await advance(HostEvent.Deleted);
      await condition(allHandlersFinished);
      return;
    }

    // Re-registration without a state change when the address or credentials changed (BMO ensureRegistered).
    const managed = ![S.None, S.Unmanaged, S.Registering, S.Deleting, S.PoweringOffBeforeDelete].includes(state() as never);
    const badRegistration = status.errorType === ErrorType.Registration || status.errorType === ErrorType.ProvisionedRegistration;
    if (managed && (flags.reregister || registeredAs !== registrationIdentity() || badRegistration)) {
      const ok = await register(state() === S.Provisioned || state() === S.ExternallyProvisioned ? ErrorType.ProvisionedRegistration : ErrorType.Registration);
      if (!ok) await waitBackoff();
      continue;
    }

    const wanted = desiredEvent(desireInput());
    if (wanted) {
      await enter(wanted);
      continue;
    }
    if (STABLE_STATES.includes(state())) {
      await steady();
      continue;
    }
    const action = actions[state()];
    if (!action) throw ApplicationFailure.nonRetryable(`no action for state "${state()}"`);
    await action();
  }
}
