/**
 * The host metrics (src/contract/metrics.ts) held in the worker process and written in the
 * Prometheus text exposition format (0.0.4). Per-host labels follow BMO, so series grow with the
 * fleet: each metric is capped at MAX_SERIES_PER_METRIC label sets, and what a full metric drops is
 * counted, never silently lost.
 */
import type { CounterDef, HistogramDef, MetricLabels } from '../../contract/index.js';

/** Label sets per metric (BMO's per-host metrics: a few per host; 10k covers fleets of thousands). */
export const MAX_SERIES_PER_METRIC = 10_000;
/** Samples dropped because their metric had MAX_SERIES_PER_METRIC label sets already. */
export const DROPPED_SERIES_METRIC = 'metalflow_metrics_series_dropped_total';

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

interface Family {
  name: string;
  def: CounterDef | HistogramDef;
  series: Map<string, number | HistogramSeries>;
  /** The series keys of each host (metrics with namespace and host labels), for forgetHost. */
  byHost: Map<string, Set<string>>;
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private dropped = 0;

  constructor(
    defs: Readonly<Record<string, CounterDef | HistogramDef>>,
    private readonly maxSeries = MAX_SERIES_PER_METRIC,
  ) {
    for (const [name, def] of Object.entries(defs)) this.families.set(name, { name, def, series: new Map(), byHost: new Map() });
  }

  count(name: string, labels: MetricLabels = {}, by = 1): void {
    const f = this.family(name, 'counter');
    const key = this.seriesKey(f, labels);
    if (key === undefined) return;
    f.series.set(key, ((f.series.get(key) as number | undefined) ?? 0) + by);
  }

  observe(name: string, labels: MetricLabels, value: number): void {
    const f = this.family(name, 'histogram');
    const key = this.seriesKey(f, labels);
    if (key === undefined || !Number.isFinite(value)) return;
    const buckets = (f.def as HistogramDef).buckets;
    let s = f.series.get(key) as HistogramSeries | undefined;
    if (!s) f.series.set(key, (s = { counts: buckets.map(() => 0), sum: 0, count: 0 }));
    buckets.forEach((le, i) => {
      if (value <= le) s.counts[i] = (s.counts[i] ?? 0) + 1;
    });
    s.sum += value;
    s.count += 1;
  }

  /** Drops every series labelled with this host (its namespace and host labels both match). */
  forgetHost(namespace: string, host: string): void {
    const id = hostId({ namespace, host });
    for (const f of this.families.values()) {
      for (const key of f.byHost.get(id) ?? []) f.series.delete(key);
      f.byHost.delete(id);
    }
  }

  /** The text exposition of every metric (families without samples still get HELP/TYPE). */
  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${escapeHelp(f.def.help)}`, `# TYPE ${f.name} ${f.def.kind}`);
      for (const [key, v] of f.series) {
        if (typeof v === 'number') {
          out.push(`${f.name}${braces(key)} ${v}`);
          continue;
        }
        const buckets = (f.def as HistogramDef).buckets;
        buckets.forEach((le, i) => out.push(`${f.name}_bucket${braces(join(key, `le="${le}"`))} ${v.counts[i] ?? 0}`));
        out.push(`${f.name}_bucket${braces(join(key, 'le="+Inf"'))} ${v.count}`, `${f.name}_sum${braces(key)} ${v.sum}`, `${f.name}_count${braces(key)} ${v.count}`);
      }
    }
    out.push(`# HELP ${DROPPED_SERIES_METRIC} Samples dropped because their metric had ${this.maxSeries} label sets already`, `# TYPE ${DROPPED_SERIES_METRIC} counter`, `${DROPPED_SERIES_METRIC} ${this.dropped}`);
    return out.join('\n') + '\n';
  }

  private family(name: string, kind: 'counter' | 'histogram'): Family {
    const f = this.families.get(name);
    // Names come from the contract's types: an unknown one is a programming error.
    if (!f || f.def.kind !== kind) throw new Error(`no ${kind} metric ${name}`);
    return f;
  }

  /** The series' label text (the def's labels, in order), or undefined when the metric is full. */
  private seriesKey(f: Family, labels: MetricLabels): string | undefined {
    const key = f.def.labels.map((l) => `${l}="${escapeLabel(labels[l] ?? '')}"`).join(',');
    if (f.series.has(key)) return key;
    if (f.series.size >= this.maxSeries) {
      this.dropped++;
      return undefined;
    }
    if (f.def.labels.includes('namespace') && f.def.labels.includes('host')) {
      const id = hostId(labels);
      f.byHost.set(id, (f.byHost.get(id) ?? new Set()).add(key));
    }
    return key;
  }
}

const hostId = (labels: MetricLabels): string => JSON.stringify([labels['namespace'] ?? '', labels['host'] ?? '']);
const join = (a: string, b: string): string => (a ? `${a},${b}` : b);
const braces = (labels: string): string => (labels ? `{${labels}}` : '');
const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
