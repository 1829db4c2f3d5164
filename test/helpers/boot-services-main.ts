/**
 * The network boot services alone (no Temporal), for conformance tests that run them inside a
 * test namespace: settings from the same environment variables as the boot worker, known MACs
 * from METALFLOW_TEST_KNOWN_MACS, every decision logged to stdout. With METALFLOW_AGENT_API_PORT
 * set, the Ironic agent API too (its sessions lead nowhere: there are no host workflows).
 */
import type { Server } from 'node:http';
import { IronicAgentApi } from '../../src/agent/ironic-api.js';
import { AgentSessions } from '../../src/boot/agent-sessions.js';
import { BootConfigStore } from '../../src/boot/boot-config.js';
import { startBootServices } from '../../src/boot/boot-services.js';
import { agentApiSettingsFromEnv } from '../../src/config/agent-api-settings.js';
import { bootSettingsFromEnv } from '../../src/config/boot-settings.js';
import { provisioningNetworkFromEnv } from '../../src/config/worker-settings.js';

const dataDir = process.env.METALFLOW_DATA_DIR ?? '/tmp';
const log = (level: string, message: string): void => void process.stdout.write(`${level} ${message}\n`);
const store = new BootConfigStore();
for (const mac of (process.env.METALFLOW_TEST_KNOWN_MACS ?? '').split(',').filter(Boolean)) store.set({ mac, uuid: mac, name: mac, action: 'agent' });
const services = await startBootServices(bootSettingsFromEnv(process.env, dataDir, 6385), store, dataDir, log, provisioningNetworkFromEnv());
let api: Server | undefined;
if (process.env.METALFLOW_AGENT_API_PORT) {
  const { host, port } = agentApiSettingsFromEnv(process.env);
  const sessions = new AgentSessions({ heartbeat: async () => undefined, inspection: async () => undefined });
  api = await new IronicAgentApi({ backend: sessions }).listen(port, host, { log });
}
process.stdout.write('boot services ready\n');
const stop = (): void =>
  void services
    .close()
    .then(() => new Promise((r) => (api ? api.close(r) : r(undefined))))
    .then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
