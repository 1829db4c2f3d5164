/**
 * The host metrics (src/contract/metrics.ts, BMO's names) recorded from workflow code through the
 * worker's `metrics` sink: no command, nothing in the history, and not called while a worker
 * replays, so each transition or error is counted once, by the worker that made it.
 */
import { proxySinks } from '@temporalio/workflow';
import { ProvisioningState as S, type ProvisioningState } from '../api/types.js';
import type { HostHistogramName, MetricsSinks } from '../contract/index.js';

const { metrics } = proxySinks<MetricsSinks>();

/** BMO's per-operation duration histograms, by the state the operation runs in. */
const OPERATION_DURATION: Partial<Record<ProvisioningState, HostHistogramName>> = {
  [S.Registering]: 'metal3_operation_register_duration_seconds',
  [S.Inspecting]: 'metal3_operation_inspect_duration_seconds',
  [S.Provisioning]: 'metal3_operation_provision_duration_seconds',
  [S.Deprovisioning]: 'metal3_operation_deprovision_duration_seconds',
};

export interface HostKey {
  namespace: string;
  name: string;
}

export const hostMetrics = {
  reconciled: (h: HostKey): void => metrics.count('metal3_reconcile_total', { namespace: h.namespace, host: h.name }),
  /** A transition; `sinceMs` is when the state being left was entered (undefined after continue-as-new). */
  transition(h: HostKey, from: ProvisioningState, to: ProvisioningState, sinceMs: number | undefined): void {
    metrics.count('metal3_provisioning_state_change_total', { prev_state: from, new_state: to });
    const duration = OPERATION_DURATION[from];
    if (duration && sinceMs !== undefined) metrics.observe(duration, { namespace: h.namespace, host: h.name }, (Date.now() - sinceMs) / 1000);
  },
  delayed: (h: HostKey, to: string): void =>
    metrics.count(to === S.Deprovisioning ? 'metal3_delayed__deprovisioning_total' : 'metal3_delayed__provisioning_total', { namespace: h.namespace, host: h.name }),
  error: (errorType: string): void => metrics.count('metal3_host_error_total', { error_type: errorType }),
  registrationRequired: (): void => metrics.count('metal3_host_registration_required_total', {}),
  credentialsInvalid: (): void => metrics.count('metal3_credentials_invalid_total', {}),
  powerChange: (h: HostKey, on: boolean): void => metrics.count('metal3_operation_power_change_total', { namespace: h.namespace, host: h.name, on_off: on ? 'on' : 'off' }),
  /** The host is deleted: the worker drops its per-host series. */
  deleted: (h: HostKey): void => metrics.forgetHost(h.namespace, h.name),
  step: (step: string, ok: boolean, startedMs: number): void => metrics.observe('metalflow_step_duration_seconds', { step, outcome: ok ? 'ok' : 'failed' }, (Date.now() - startedMs) / 1000),
};
