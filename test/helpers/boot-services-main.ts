/**
 * The network boot services alone (no Temporal), for conformance tests that run them inside a
 * test namespace: settings from the same environment variables as the boot worker, known MACs
 * from METALFLOW_TEST_KNOWN_MACS, every decision logged to stdout.
 */
import { BootConfigStore } from '../../src/boot/boot-config.js';
import { startBootServices } from '../../src/boot/boot-services.js';
import { bootSettingsFromEnv } from '../../src/config/boot-settings.js';

const dataDir = process.env.METALFLOW_DATA_DIR ?? '/tmp';
const store = new BootConfigStore();
for (const mac of (process.env.METALFLOW_TEST_KNOWN_MACS ?? '').split(',').filter(Boolean)) store.set({ mac, uuid: mac, name: mac, action: 'agent' });
const services = await startBootServices(bootSettingsFromEnv(process.env, dataDir, 6385), store, dataDir, (level, message) => process.stdout.write(`${level} ${message}\n`), process.env.METALFLOW_PROVISIONING_NETWORK || undefined);
process.stdout.write('boot services ready\n');
const stop = (): void => void services.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
