/**
 * Every metric the workers export, defined once: names, help and labels. Where Metal3's
 * baremetal-operator has the metric (internal/controller/metal3.io/metrics.go) it has BMO's exact
 * name and labels, so an operator's dashboards and alerts keep working; `metalflow_*` ones are
 * ours. Workflow code records them through the `metrics` sink (replay-safe: sinks are not called
 * while a worker replays history); the worker's /metrics serves them beside the Temporal SDK's own.
 */
import type { Sinks } from '@temporalio/workflow';

/** BMO's label names. */
export const MetricLabel = {
  namespace: 'namespace',
  host: 'host',
  errorType: 'error_type',
  onOff: 'on_off',
  prevState: 'prev_state',
  newState: 'new_state',
  step: 'step',
  outcome: 'outcome',
} as const;
type Label = (typeof MetricLabel)[keyof typeof MetricLabel];

export interface CounterDef {
  kind: 'counter';
  help: string;
  labels: readonly Label[];
}
export interface HistogramDef {
  kind: 'histogram';
  help: string;
  labels: readonly Label[];
  /** Upper bounds in seconds (+Inf is implied). */
  buckets: readonly number[];
}

/** Prometheus client_golang's default buckets (BMO's register histogram uses them). */
const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** BMO's slowOperationBuckets: inspect, provision, deprovision. */
const SLOW_OPERATION_BUCKETS = [30, 90, 180, 360, 720, 1440] as const;
/** One activity step: a power call takes a second, a deploy up to the hardware timeout. */
const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600, 1800] as const;

const hostLabels = [MetricLabel.namespace, MetricLabel.host] as const;

export const HOST_METRICS = {
  metal3_reconcile_total: { kind: 'counter', help: 'The number of times hosts have been reconciled', labels: hostLabels },
  metal3_host_error_total: { kind: 'counter', help: 'The number of times hosts have entered an error state', labels: [MetricLabel.errorType] },
  metal3_operation_power_change_total: { kind: 'counter', help: 'Number of times a host has been powered on or off', labels: [...hostLabels, MetricLabel.onOff] },
  metal3_credentials_invalid_total: { kind: 'counter', help: "Number of times a host's credentials are found to be invalid", labels: [] },
  metal3_delayed__provisioning_total: { kind: 'counter', help: 'The number of times hosts have been delayed while provisioning due a busy provisioner', labels: hostLabels },
  metal3_delayed__deprovisioning_total: { kind: 'counter', help: 'The number of times hosts have been delayed while deprovisioning due a busy provisioner', labels: hostLabels },
  metal3_provisioning_state_change_total: { kind: 'counter', help: 'Number of times a state transition has occurred', labels: [MetricLabel.prevState, MetricLabel.newState] },
  metal3_host_registration_required_total: { kind: 'counter', help: 'Number of times a host is found to be unregistered', labels: [] },
  metal3_operation_register_duration_seconds: { kind: 'histogram', help: 'Length of time per registration per host', labels: hostLabels, buckets: DEFAULT_BUCKETS },
  metal3_operation_inspect_duration_seconds: { kind: 'histogram', help: 'Length of time per hardware inspection per host', labels: hostLabels, buckets: SLOW_OPERATION_BUCKETS },
  metal3_operation_provision_duration_seconds: { kind: 'histogram', help: 'Length of time per hardware provision operation per host', labels: hostLabels, buckets: SLOW_OPERATION_BUCKETS },
  metal3_operation_deprovision_duration_seconds: { kind: 'histogram', help: 'Length of time per hardware deprovision operation per host', labels: hostLabels, buckets: SLOW_OPERATION_BUCKETS },
  metalflow_step_duration_seconds: { kind: 'histogram', help: 'Length of one host workflow step (an activity with its retries), by step and outcome (ok, failed)', labels: [MetricLabel.step, MetricLabel.outcome], buckets: STEP_BUCKETS },
} as const satisfies Record<string, CounterDef | HistogramDef>;

export type HostMetricName = keyof typeof HOST_METRICS;
export type HostCounterName = { [K in HostMetricName]: (typeof HOST_METRICS)[K]['kind'] extends 'counter' ? K : never }[HostMetricName];
export type HostHistogramName = { [K in HostMetricName]: (typeof HOST_METRICS)[K]['kind'] extends 'histogram' ? K : never }[HostMetricName];
export type MetricLabels = Partial<Record<Label, string>>;

/** The workflow → worker metrics sink (a name crossing the workflow sandbox boundary). */
export interface MetricsSinks extends Sinks {
  metrics: {
    count(name: HostCounterName, labels: MetricLabels): void;
    observe(name: HostHistogramName, labels: MetricLabels, seconds: number): void;
    /** The host is deleted: its per-host series go (fleet churn must not fill the series cap). */
    forgetHost(namespace: string, host: string): void;
  };
}

/** The health endpoints beside /metrics. */
export const HealthPath = { metrics: '/metrics', healthz: '/healthz', readyz: '/readyz' } as const;
