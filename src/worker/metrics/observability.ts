/**
 * Wires a worker's metrics: the Temporal runtime (logging, and the SDK core's Prometheus exporter
 * on a private loopback port that /metrics reads), the host-metrics sink the workflows call, and
 * the health listener.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import type { InjectedSinks, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { portOf } from '../../agent/http-server.js';
import { HOST_METRICS, type MetricsSinks } from '../../contract/index.js';
import type { MetricsSettings } from '../../config/metrics-settings.js';
import { installTemporalLogging } from '../logger.js';
import { startHealthServer } from './health-server.js';
import { MetricsRegistry } from './registry.js';

export interface Observability {
  registry: MetricsRegistry;
  /** The SDK core's exporter, when metrics are on. */
  coreMetricsUrl?: string;
}

/**
 * Ports tried for the core exporter: the port is picked free but bound by the core later, so
 * another process may take it in between; a second fresh port makes that race harmless.
 */
export const CORE_EXPORTER_BIND_ATTEMPTS = 2;

/** Installs the Temporal runtime (once per process, before any connection) with the core exporter when metrics are on. */
export async function installRuntime(logger: Logger, settings: MetricsSettings | undefined, pickPort: () => Promise<number> = freeLoopbackPort): Promise<Observability> {
  const registry = new MetricsRegistry(HOST_METRICS);
  if (!settings) {
    installTemporalLogging(logger);
    return { registry };
  }
  for (let attempt = 1; ; attempt++) {
    const bindAddress = `127.0.0.1:${await pickPort()}`;
    try {
      installTemporalLogging(logger, bindAddress); // a failed install leaves no runtime: it can be tried again
      return { registry, coreMetricsUrl: `http://${bindAddress}/metrics` };
    } catch (err) {
      if (attempt >= CORE_EXPORTER_BIND_ATTEMPTS || !/address already in use/i.test((err as Error).message)) throw err;
      logger.warn(`SDK metrics exporter: ${bindAddress} was taken meanwhile, trying another port`);
    }
  }
}

/** The workflows' `metrics` sink, recording into `registry` (never called during replay). */
export function hostMetricsSinks(registry: MetricsRegistry): InjectedSinks<MetricsSinks> {
  return {
    metrics: {
      count: { fn: (_info, name, labels) => registry.count(name, labels), callDuringReplay: false },
      observe: { fn: (_info, name, labels, seconds) => registry.observe(name, labels, seconds), callDuringReplay: false },
      forgetHost: { fn: (_info, namespace, host) => registry.forgetHost(namespace, host), callDuringReplay: false },
    },
  };
}

/** Starts the health listener for `worker` (undefined when metrics are off); its URL is for the start-up log line. */
export async function serveHealth(settings: MetricsSettings | undefined, obs: Observability, worker: Pick<Worker, 'getState'>, logger: Logger): Promise<{ server: Server; url: string } | undefined> {
  if (!settings) return undefined;
  const server = await startHealthServer(
    {
      metrics: () => obs.registry.render(),
      ...(obs.coreMetricsUrl ? { coreMetricsUrl: obs.coreMetricsUrl } : {}),
      notReady: () => {
        const state = worker.getState();
        return state === 'RUNNING' ? undefined : `worker ${state.toLowerCase()}`;
      },
    },
    settings.port,
    settings.host,
    { log: (level, message) => logger[level](message) },
  );
  server.unref(); // never what keeps a stopping worker alive
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return { server, url: `http://${host}:${portOf(server)}` };
}

/** A free loopback port for the core exporter (it binds the address itself). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}
