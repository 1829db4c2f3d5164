/**
 * Boot-services worker: a separate process per provisioning network. It serves the Ironic agent
 * API (port 6385 by default, as in Metal3's firewall table), the network boot services when
 * configured (DHCP 67/4011, TFTP 69, HTTP 80: see src/config/boot-settings.ts) and runs the boot
 * activities on task queue `boot-<network>`. It owns no host state: heartbeats and inspection data
 * go to the host workflows as signals, and its boot configuration is rebuilt from the host
 * workflows when it starts.
 *   METALFLOW_PROVISIONING_NETWORK (default), METALFLOW_AGENT_API_HOST (METALFLOW_BOOT_IP, else
 *   127.0.0.1; 0.0.0.0 only if set so), METALFLOW_AGENT_API_PORT (6385), plus the Temporal and
 *   secret-key variables of the host worker.
 *   With METALFLOW_TLS=on (src/config/tls-settings.ts) the agent API and the boot server's vmedia
 *   TLS port serve HTTPS with a certificate from files or one generated into the data directory.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { portOf } from '../agent/http-server.js';
import { provisioningNetworkOf } from '../api/provisioning-network.js';
import { IronicAgentApi } from '../agent/ironic-api.js';
import { createBootActivities } from '../activities/boot-activities.js';
import { AgentSessions } from '../boot/agent-sessions.js';
import { BootConfigStore } from '../boot/boot-config.js';
import { startBootServices } from '../boot/boot-services.js';
import { agentApiSettingsFromEnv } from '../config/agent-api-settings.js';
import { bootServicesSettingsFromProcessEnv } from '../config/boot-settings.js';
import { tlsMaterialSettingsFromProcessEnv } from '../config/tls-settings.js';
import { connectionOptions, temporalConfigFromEnv } from '../config/temporal.js';
import { hostTaskQueueFromEnv, provisioningNetworkFromEnv, workerSettingsFromEnv } from '../config/worker-settings.js';
import { HOST_WORKFLOW_TYPE, TaskQueue, agentHeartbeatSignal, agentInspectionSignal, hostQuery } from '../contract/index.js';
import { Keyring } from '../secrets/keyring.js';
import { loadTlsMaterial } from '../tls/material.js';
import { metricsSettingsFromEnv } from '../config/metrics-settings.js';
import { createLogger } from './logger.js';
import { installRuntime, serveHealth } from './metrics/observability.js';
import { bootWorkerTuningFromEnv } from '../config/worker-tuning.js';
import { bootWorkerOptions } from './tuning.js';

async function main(): Promise<void> {
  const settings = workerSettingsFromEnv();
  const logger = createLogger(settings.logLevel, 'metalflow-boot');
  const metricsSettings = metricsSettingsFromEnv();
  const obs = await installRuntime(logger, metricsSettings); // Temporal logging, and SDK metrics when on
  const network = provisioningNetworkFromEnv();
  const agentApi = agentApiSettingsFromEnv();
  const { host: apiHost, port: apiPort } = agentApi;
  const temporal = temporalConfigFromEnv();
  const keyring = Keyring.load(settings.sealKeyDir); // never creates keys: `metalflow keys create` does
  // TLS (METALFLOW_TLS): the agent API and the boot server's HTTPS ports present this certificate; agents get its CA.
  const tlsSettings = tlsMaterialSettingsFromProcessEnv(settings.dataDir, network);
  const tls = tlsSettings ? await loadTlsMaterial(tlsSettings) : undefined;
  if (tls && !tls.covers) logger.warn({ names: tlsSettings?.subjectAltNames }, 'the configured TLS certificate does not cover every address agents and BMCs use: they will refuse it');
  const httpsCert = tls ? { cert: tls.certPem, key: tls.keyPem } : undefined;

  const clientConnection = await Connection.connect(connectionOptions(temporal));
  const client = new Client({ connection: clientConnection, namespace: temporal.namespace });
  // Every host's boot MAC (DHCP reservations, inspection MAC ownership), rebuilt from the workflows below.
  const boot = new BootConfigStore();
  const sessions = new AgentSessions({
    heartbeat: async (workflowId, arg) => {
      logger.info({ workflowId, callbackUrl: arg.callbackUrl }, 'agent heartbeat');
      await client.workflow.getHandle(workflowId).signal(agentHeartbeatSignal, arg);
    },
    inspection: async (workflowId, arg) => {
      logger.info({ workflowId }, 'agent inspection data');
      await client.workflow.getHandle(workflowId).signal(agentInspectionSignal, arg);
    },
  }, { boot, log: (level, message) => logger[level](message) });
  const api = new IronicAgentApi({ backend: sessions, heartbeatTimeoutSeconds: agentApi.heartbeatTimeoutSeconds, trustedProxies: agentApi.trustedProxies });
  const server = await api.listen(apiPort, apiHost, { log: (level, message) => logger[level](message), ...(httpsCert ? { tls: httpsCert } : {}) });
  const port = portOf(server);

  // The boot configuration: every host's boot MAC (DHCP reservations), rebuilt from the workflows.
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowType = '${HOST_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND TaskQueue = '${hostTaskQueueFromEnv()}'` })) ids.push(wf.workflowId);
  for (let i = 0; i < ids.length; i += 32) {
    // 32 queries at a time: a fleet of hosts must not flood the host workers when this worker starts.
    const views = await Promise.all(ids.slice(i, i + 32).map((id) => client.workflow.getHandle(id).query(hostQuery).catch(() => undefined)));
    for (const view of views) {
      const mac = view?.spec.bootMACAddress;
      // Only this network's hosts: another rack's boot worker answers for the others.
      if (view && mac && provisioningNetworkOf(view.annotations) === network) boot.set({ mac, uuid: view.status.provisioning.ID, name: `${view.namespace}/${view.name}`, action: 'local' });
    }
  }
  const known = boot.all().length;
  const bootSettings = bootServicesSettingsFromProcessEnv(settings.dataDir, port);
  const services = await startBootServices(bootSettings, boot, settings.dataDir, (level, message) => logger[level](message), network, httpsCert && tls ? { ...httpsCert, caPem: tls.caPem } : undefined);

  const connection = await NativeConnection.connect(connectionOptions(temporal));
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: TaskQueue.boot(network),
    activities: createBootActivities({ sessions, api, keyring, boot, ...(services.media ? { media: services.media } : {}), agentPollMs: agentApi.commandPollMs }),
    ...bootWorkerOptions(bootWorkerTuningFromEnv()), // slots, pollers: values and reasons in src/config/worker-tuning.ts
    shutdownGraceTime: '10s',
  });
  const health = await serveHealth(metricsSettings, obs, worker, logger);
  logger.info(
    {
      taskQueue: TaskQueue.boot(network),
      metrics: health?.url ?? 'off',
      agentApi: `${tls ? 'https' : 'http'}://${apiHost}:${port}`,
      tls: tls ? `${tls.source === 'files' ? 'certificate files' : `generated in ${tlsSettings?.dir ?? '?'}`}; HTTPS ports ${[bootSettings.tls?.vmediaPort, bootSettings.tls?.httpsPort].filter((p) => p !== undefined).join(', ')}` : 'off',
      knownHosts: known,
      dhcp: bootSettings.dhcp ? `${bootSettings.dhcp.mode} on port ${bootSettings.dhcp.port}` : 'off',
      tftp: bootSettings.tftp ? `${bootSettings.tftp.root} on port ${bootSettings.tftp.port}` : 'off',
      http: bootSettings.http?.plain !== false && bootSettings.http ? `port ${bootSettings.http.port}` : 'off',
    },
    'boot services worker started',
  );
  await worker.run();
  health?.server.close();
  await services.close();
  server.close();
  await connection.close();
  await clientConnection.close();
  logger.info('boot services worker stopped');
}

main().catch((err: unknown) => {
  process.stderr.write(`metalflow boot worker: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
