/** What a load generator counts over one measurement window: completions, failures, latencies, bytes. */
import { percentile } from './measure.js';

export interface LoadSummary {
  seconds: number;
  completed: number;
  failed: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  bytes: number;
  mibPerSecond: number;
}

export class LoadStats {
  completed = 0;
  failed = 0;
  bytes = 0;
  private readonly latencies: number[] = [];

  done(latencyMs: number): void {
    this.completed++;
    this.latencies.push(latencyMs);
  }

  fail(): void {
    this.failed++;
  }

  summary(seconds: number): LoadSummary {
    const per = (n: number): number => (seconds > 0 ? n / seconds : NaN);
    return {
      seconds,
      completed: this.completed,
      failed: this.failed,
      perSecond: per(this.completed),
      p50Ms: percentile(this.latencies, 50),
      p95Ms: percentile(this.latencies, 95),
      bytes: this.bytes,
      mibPerSecond: per(this.bytes / 2 ** 20),
    };
  }
}

/** Bytes the server sent to the attacker per byte the attacker sent (0 when it sent nothing back). */
export function amplification(sent: number, received: number): number {
  return sent > 0 ? received / sent : NaN;
}

/** How many packets a constant-rate sender owes after `elapsedMs` when it has sent `sent`. */
export function packetsDue(ratePerSecond: number, elapsedMs: number, sent: number): number {
  return Math.max(0, Math.floor((ratePerSecond * elapsedMs) / 1000) - sent);
}
