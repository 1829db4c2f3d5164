/**
 * Host worker: runs the host lifecycle workflows and their BMC/agent activities.
 * Reads configuration from the environment (see README "Configuration"); shuts down gracefully on
 * SIGINT/SIGTERM, letting running activities finish or hand over to another worker.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createHostActivities } from '../activities/index.js';
import { connectionOptions, temporalConfigFromEnv } from '../config/temporal.js';
import { hostTaskQueueFromEnv, workerSettingsFromEnv, workflowBundlePathFromEnv } from '../config/worker-settings.js';
import { Keyring } from '../secrets/keyring.js';
import { metricsSettingsFromEnv } from '../config/metrics-settings.js';
import { createLogger } from './logger.js';
import { hostMetricsSinks, installRuntime, serveHealth } from './metrics/observability.js';
import { loadWorkflowBundle } from './workflow-bundle.js';
import { hostWorkerTuningFromEnv } from '../config/worker-tuning.js';
import { hostWorkerOptions } from './tuning.js';

async function main(): Promise<void> {
  const settings = workerSettingsFromEnv();
  const logger = createLogger(settings.logLevel, 'metalflow-worker');
  const metricsSettings = metricsSettingsFromEnv();
  const obs = await installRuntime(logger, metricsSettings); // Temporal logging, and SDK metrics when on
  const temporal = temporalConfigFromEnv();
  const taskQueue = hostTaskQueueFromEnv();
  const tuning = hostWorkerTuningFromEnv();
  const keyring = Keyring.load(settings.sealKeyDir); // never creates keys: `metalflow keys create` does

  const connection = await NativeConnection.connect(connectionOptions(temporal));
  const clientConnection = await Connection.connect(connectionOptions(temporal));
  const client = new Client({ connection: clientConnection, namespace: temporal.namespace });

  // Built by scripts/setup.sh; rebuilt here (as every start did before) only if src/ changed since.
  const bundle = await loadWorkflowBundle(workflowBundlePathFromEnv());
  if (bundle.rebuilt) logger.warn({ path: bundle.codePath, reason: bundle.rebuilt }, 'workflow bundle rebuilt at start: run scripts/setup.sh after changing src/');
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: { codePath: bundle.codePath },
    activities: createHostActivities({
      keyring,
      drivers: {
        fakeStateDir: settings.fakeStateDir,
        fakeStepMs: settings.fakeStepMs,
        simulatedAgent: settings.simulatedAgent,
        ipmiMinIntervalMs: settings.ipmiMinIntervalMs,
        ipmiCipherSuite: settings.ipmiCipherSuite,
        powerStateTimeoutMs: settings.powerStateTimeoutMs,
        softPowerOffTimeoutMs: settings.softPowerOffTimeoutMs,
      },
      settings: settings.host,
      temporal: client,
      taskQueue, // its idle hosts register their power watch again (the list died with the last worker)
      onError: (what, err) => logger.warn({ err }, `power watch: ${what}`),
    }),
    sinks: hostMetricsSinks(obs.registry),
    ...hostWorkerOptions(tuning), // slots, sticky cache, pollers: values and reasons in src/config/worker-tuning.ts
    // Let in-flight hardware steps finish on shutdown; a SIGKILL is covered by heartbeat timeouts.
    shutdownGraceTime: '10s',
  });
  const health = await serveHealth(metricsSettings, obs, worker, logger);
  logger.info({ address: temporal.address, namespace: temporal.namespace, taskQueue, dataDir: settings.dataDir, tuning, metrics: health?.url ?? 'off' }, 'host worker started');
  await worker.run();
  health?.server.close();
  await clientConnection.close();
  await connection.close();
  logger.info('host worker stopped');
}

main().catch((err: unknown) => {
  process.stderr.write(`metalflow worker: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
