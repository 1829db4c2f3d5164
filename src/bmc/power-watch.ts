/**
 * Power monitoring outside the host workflows (issue 14): the host worker polls the BMC of each
 * idle host it was asked to watch, every power sync interval, and tells the host only when the
 * power differs from what the host expects. An idle host then costs its workflow nothing per
 * interval — only a slow safety poll and a report on drift. Pure polling: no Temporal here (the
 * activity layer gives the reader and the reporter).
 *
 * Hostile by default: entries are keyed by the host's identity (the caller passes the workflow id
 * of the activity that registered it, never one from its input), their number is capped, a
 * workflow cannot make us poll faster than MIN_WATCH_INTERVAL_MS or hold an entry for longer than
 * MAX_WATCH_LEASE_MS, and a BMC that hangs holds only its own entry.
 */

/** What a watch tells a host (the contract's powerDrift signal carries it); at most one report per registration. */
export type PowerReport = { kind: 'drift'; poweredOn: boolean } | { kind: 'unreadable'; error: string };

/** Most hosts one worker watches; a host refused is told so and polls from its workflow as before. */
export const MAX_POWER_WATCHES = 10_000;
/** The fastest a registration may ask us to poll one BMC. */
export const MIN_WATCH_INTERVAL_MS = 250;
/** The longest an entry lives without being registered again (the workflow's safety poll renews it). */
export const MAX_WATCH_LEASE_MS = 24 * 60 * 60_000;
/** A poll that has not answered in this long counts as failed (the entry still waits for it: no second poll in flight). */
export const WATCH_POLL_DEADLINE_MS = 60_000;
/** Most BMC reads in flight at once (each may be an ipmitool process); due entries beyond it wait for a slot. */
export const MAX_CONCURRENT_WATCH_POLLS = 32;
/** Failed polls in a row before the host is told (its own read then records the power management error). */
export const WATCH_FAILURES_BEFORE_REPORT = 3;


export interface WatchRequest {
  /** The power the host expects (its status.poweredOn). */
  expected: boolean;
  intervalMs: number;
  /** How long the entry lives unless registered again. */
  leaseMs: number;
  /** Reads the BMC's power state (with its own per-request deadlines). */
  read: () => Promise<boolean>;
}

interface Entry {
  expected: boolean;
  intervalMs: number;
  read: () => Promise<boolean>;
  until: number;
  dueAt: number;
  inFlight: boolean;
  failures: number;
  /** Identifies one registration: a poll that settles after a new one (or after removal) is ignored. */
  seq: number;
}

export interface PowerWatchOptions {
  now?: () => number;
  pollDeadlineMs?: number;
  /** In [0, 1): spreads each entry's first poll over its interval (injected so tests choose it). */
  random?: () => number;
  /** Called when a report could not be delivered (e.g. the host was deleted); the entry is gone already. */
  onReportError?: (key: string, err: unknown) => void;
}

export class PowerWatch {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly pollDeadlineMs: number;
  private readonly random: () => number;
  private seq = 0;
  /** Reads started and not yet settled (a slot is held until the read itself settles, not its deadline). */
  private polling = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly report: (key: string, r: PowerReport) => Promise<void>,
    private readonly opts: PowerWatchOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.pollDeadlineMs = opts.pollDeadlineMs ?? WATCH_POLL_DEADLINE_MS;
    this.random = opts.random ?? Math.random;
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * Registers (or renews) the watch of host `key`; false when the watch list is full and `key`
   * is not in it. The first poll is within one interval from now (the caller has just read the
   * power), at a random point of it so hosts registered together (a worker start) do not poll in lockstep.
   */
  watch(key: string, req: WatchRequest): boolean {
    if (!this.entries.has(key) && this.entries.size >= MAX_POWER_WATCHES) return false;
    const intervalMs = Math.max(MIN_WATCH_INTERVAL_MS, req.intervalMs);
    const now = this.now();
    this.entries.set(key, {
      expected: req.expected,
      intervalMs,
      read: req.read,
      until: now + Math.min(Math.max(req.leaseMs, intervalMs), MAX_WATCH_LEASE_MS),
      dueAt: now + Math.max(MIN_WATCH_INTERVAL_MS, Math.ceil(intervalMs * (1 - this.random()))),
      inFlight: false,
      failures: 0,
      seq: ++this.seq,
    });
    return true;
  }

  unwatch(key: string): void {
    this.entries.delete(key);
  }

  /**
   * Starts a poll of every due entry (at most MAX_CONCURRENT_WATCH_POLLS in flight) and drops expired ones. Does not wait for the polls: the
   * returned promise (for tests and shutdown) settles when the polls started here have.
   */
  tick(): Promise<void> {
    const now = this.now();
    const started: Promise<void>[] = [];
    for (const [key, e] of this.entries) {
      if (now >= e.until) {
        this.entries.delete(key);
        continue;
      }
      if (e.inFlight || now < e.dueAt) continue;
      if (this.polling >= MAX_CONCURRENT_WATCH_POLLS) continue; // due: polled at a later tick, when a slot is free
      started.push(this.poll(key, e));
    }
    return Promise.all(started).then(() => undefined);
  }

  /** Ticks every `tickMs` until stop(); the timer does not keep the process alive. */
  start(tickMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(key: string, e: Entry): Promise<void> {
    e.inFlight = true;
    this.polling += 1;
    const read = e.read().then(
      (poweredOn) => ({ poweredOn }),
      (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
    );
    // The entry stays in flight until the read itself settles: a hung BMC never gets a second poll.
    void read.then(() => {
      this.polling -= 1;
      e.inFlight = false;
      e.dueAt = this.now() + e.intervalMs;
    });
    const outcome = await withDeadline(read, this.pollDeadlineMs);
    if (this.entries.get(key)?.seq !== e.seq) return; // renewed or removed while the poll ran
    if ('error' in outcome) {
      e.failures += 1;
      if (e.failures < WATCH_FAILURES_BEFORE_REPORT) return;
      return this.tell(key, { kind: 'unreadable', error: outcome.error });
    }
    e.failures = 0;
    if (outcome.poweredOn !== e.expected) return this.tell(key, { kind: 'drift', poweredOn: outcome.poweredOn });
  }

  private async tell(key: string, r: PowerReport): Promise<void> {
    this.entries.delete(key); // one report per registration: the host reads the power and registers again
    try {
      await this.report(key, r);
    } catch (err) {
      this.opts.onReportError?.(key, err);
    }
  }
}

/** `p`'s outcome, or a failure once `ms` have passed (p keeps running; its result is then ignored). */
async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | { error: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<{ error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ error: `no power state within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
