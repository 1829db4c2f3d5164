/** pino for our code, and the Temporal runtime's logs (workflow/activity `log`) routed into it. */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { pino, type Logger } from 'pino';
import { parseHostWorkflowId } from '../contract/index.js';

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination(2));
}

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Every workflow/activity log line carries the workflow id and, for hosts, `host=<namespace>/<name>`.
 * With `prometheusBindAddress` the SDK core also exports its own metrics there (Prometheus text;
 * counters named `_total`, durations in seconds, as promtool expects).
 */
export function installTemporalLogging(logger: Logger, prometheusBindAddress?: string): void {
  Runtime.install({
    ...(prometheusBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: prometheusBindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } } } : {}),
    logger: new DefaultLogger('INFO', (entry) => {
      const meta = (entry.meta ?? {}) as Record<string, unknown>;
      const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
      const host = workflowId ? parseHostWorkflowId(workflowId) : undefined;
      logger[PINO_LEVEL[entry.level]]({ ...meta, ...(host ? { host: `${host.namespace}/${host.name}` } : {}) }, entry.message);
    }),
  });
}
