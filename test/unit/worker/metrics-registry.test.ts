import { describe, expect, it } from 'vitest';
import { HOST_METRICS } from '../../../src/contract/index.js';
import { DROPPED_SERIES_METRIC, MAX_SERIES_PER_METRIC, MetricsRegistry } from '../../../src/worker/metrics/registry.js';

describe('host metrics registry', () => {
  it("writes BMO's counters and histograms in the Prometheus text format", () => {
    const r = new MetricsRegistry(HOST_METRICS);
    r.count('metal3_provisioning_state_change_total', { prev_state: 'registering', new_state: 'inspecting' });
    r.count('metal3_provisioning_state_change_total', { prev_state: 'registering', new_state: 'inspecting' });
    r.count('metal3_host_registration_required_total');
    r.observe('metal3_operation_inspect_duration_seconds', { namespace: 'ns', host: 'h' }, 100);
    const text = r.render();
    expect(text).toContain('# TYPE metal3_provisioning_state_change_total counter\nmetal3_provisioning_state_change_total{prev_state="registering",new_state="inspecting"} 2\n');
    expect(text).toContain('metal3_host_registration_required_total 1\n');
    // BMO's slowOperationBuckets, cumulative.
    expect(text).toContain('metal3_operation_inspect_duration_seconds_bucket{namespace="ns",host="h",le="90"} 0\n');
    expect(text).toContain('metal3_operation_inspect_duration_seconds_bucket{namespace="ns",host="h",le="180"} 1\n');
    expect(text).toContain('metal3_operation_inspect_duration_seconds_bucket{namespace="ns",host="h",le="+Inf"} 1\n');
    expect(text).toContain('metal3_operation_inspect_duration_seconds_sum{namespace="ns",host="h"} 100\n');
    expect(text).toContain('metal3_operation_inspect_duration_seconds_count{namespace="ns",host="h"} 1\n');
    expect(text).toContain('# HELP metal3_host_error_total The number of times hosts have entered an error state\n# TYPE metal3_host_error_total counter\n');
  });

  it('escapes label values (a host name is user input)', () => {
    const r = new MetricsRegistry(HOST_METRICS);
    r.count('metal3_reconcile_total', { namespace: 'n', host: 'a"b\\c\nd' });
    expect(r.render()).toContain('metal3_reconcile_total{namespace="n",host="a\\"b\\\\c\\nd"} 1\n');
  });

  it(`keeps at most MAX_SERIES_PER_METRIC (${MAX_SERIES_PER_METRIC}) label sets per metric and counts what it drops`, () => {
    const r = new MetricsRegistry(HOST_METRICS, 3);
    for (let i = 0; i < 5; i++) r.count('metal3_reconcile_total', { namespace: 'n', host: `h${i}` });
    r.count('metal3_reconcile_total', { namespace: 'n', host: 'h0' }); // an existing series still counts
    const text = r.render();
    expect(text.match(/^metal3_reconcile_total\{/gm)).toHaveLength(3);
    expect(text).toContain('metal3_reconcile_total{namespace="n",host="h0"} 2\n');
    expect(text).toContain(`${DROPPED_SERIES_METRIC} 2\n`);
    expect(new MetricsRegistry(HOST_METRICS)['maxSeries']).toBe(MAX_SERIES_PER_METRIC);
  });

  it('refuses a name the contract does not define', () => {
    const r = new MetricsRegistry(HOST_METRICS);
    expect(() => r.count('metal3_nope_total')).toThrow(/no counter metric/);
    expect(() => r.observe('metal3_reconcile_total', {}, 1)).toThrow(/no histogram metric/);
  });

  it("uses BMO's exact names where BMO has the metric", () => {
    const bmo = Object.keys(HOST_METRICS).filter((n) => n.startsWith('metal3_'));
    expect(bmo).toContain('metal3_delayed__provisioning_total'); // sic: BMO's double underscore
    for (const n of Object.keys(HOST_METRICS)) expect(n).toMatch(/^(metal3|metalflow)_[a-z_]+$/);
  });

  it("drops a deleted host's series, so churn does not fill MAX_SERIES_PER_METRIC", () => {
    const r = new MetricsRegistry(HOST_METRICS, 2);
    for (let i = 0; i < 10; i++) {
      // A host comes and goes (a new name each time), as fleets churn.
      r.count('metal3_reconcile_total', { namespace: 'n', host: `h${i}` });
      r.observe('metal3_operation_register_duration_seconds', { namespace: 'n', host: `h${i}` }, 1);
      r.forgetHost('n', `h${i}`);
    }
    r.count('metal3_reconcile_total', { namespace: 'n', host: 'kept' });
    r.count('metal3_reconcile_total', { namespace: 'other', host: 'h9' });
    r.count('metal3_provisioning_state_change_total', { prev_state: 'a', new_state: 'b' });
    r.forgetHost('n', 'h9'); // the same name in another namespace, and metrics without a host, stay
    const text = r.render();
    expect(text).not.toMatch(/host="h\d",?[^\n]*namespace="n"|namespace="n",host="h\d"/);
    expect(text).toContain('metal3_reconcile_total{namespace="n",host="kept"} 1\n');
    expect(text).toContain('metal3_reconcile_total{namespace="other",host="h9"} 1\n');
    expect(text).toContain('metal3_provisioning_state_change_total{prev_state="a",new_state="b"} 1\n');
    expect(text).toContain(`${DROPPED_SERIES_METRIC} 0\n`);
  });
});
