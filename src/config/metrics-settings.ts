/**
 * A worker's /metrics, /healthz, /readyz listener. Off unless METALFLOW_METRICS_PORT is set (two
 * workers on one machine need two ports, and an operator decides what to expose); it listens on
 * METALFLOW_METRICS_HOST, loopback by default (a remote Prometheus needs it set to an address it
 * reaches). `npm start` turns it on: host worker 9464, boot-services worker 9465.
 */
export interface MetricsSettings {
  host: string;
  /** 0 = any free port (tests). */
  port: number;
}

export const DEFAULT_METRICS_HOST = '127.0.0.1';

export function metricsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsSettings | undefined {
  const raw = env.METALFLOW_METRICS_PORT;
  if (raw === undefined || raw === '' || raw === 'off') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`METALFLOW_METRICS_PORT=${raw}: expected a port number (or off)`);
  return { host: env.METALFLOW_METRICS_HOST || DEFAULT_METRICS_HOST, port };
}
