/** The most intervals open at once (a sweep over start/end times): how many hosts held a provisioning slot together. */
export interface Interval {
  start: number;
  end: number;
}

export function maxOverlap(intervals: readonly Interval[]): number {
  const edges: Array<[number, number]> = intervals.flatMap((i): Array<[number, number]> => [[i.start, 1], [i.end, -1]]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // one ending as another starts at the same instant: not together
  let open = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (open += d));
  return max;
}
