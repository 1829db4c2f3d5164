/**
 * Runs the emulated lab for `npm start`: writes the lab manifest and, with `--bmc redfish`, keeps
 * running until SIGINT/SIGTERM: a sushy-tools Redfish emulator with one system per host, and the
 * simulated agents (told by sushy-tools when a machine network-boots) that talk the Ironic agent
 * protocol to the boot-services worker at --agent-api.
 *   npx tsx src/lab/main.ts --hosts 5 --bmc fake|redfish --dir .metalflow/lab --out lab.yaml
 *     [--fail lab-1:inspect,lab-2:clean:2,lab-3:deploy]   (simulated agent failure injection)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { labHosts, labManifest } from './lab-manifest.js';
import { parseFaults } from '../agent/simulated/agent-fleet.js';
import { LAB_PASSWORD, startRedfishLab } from './redfish-lab.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '5' },
      bmc: { type: 'string', default: 'fake' },
      namespace: { type: 'string', default: 'lab' },
      dir: { type: 'string', default: '.metalflow/lab' },
      out: { type: 'string' },
      port: { type: 'string', default: '8000' },
      'agent-api': { type: 'string', default: 'http://127.0.0.1:6385' },
      fail: { type: 'string', default: '' },
    },
  });
  const count = Number(values.hosts);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--hosts ${values.hosts}: expected a positive whole number`);
  mkdirSync(values.dir, { recursive: true });
  const emit = (text: string): void => (values.out ? writeFileSync(values.out, text) : void process.stdout.write(text));

  if (values.bmc === 'fake') {
    emit(labManifest(labHosts(count, { kind: 'fake' }), values.namespace, LAB_PASSWORD));
    return;
  }
  if (values.bmc !== 'redfish') throw new Error(`--bmc ${values.bmc}: expected fake or redfish`);
  const lab = await startRedfishLab({
    hosts: count,
    dir: values.dir,
    port: Number(values.port),
    namespace: values.namespace,
    agentApi: values['agent-api'],
    bootDelayMs: 3000,
    heartbeatMs: 10_000,
    durationMs: (c) => (c.includes('execute') ? 3000 : 200),
    faults: parseFaults(values.fail),
    log: (m) => process.stderr.write(`agent ${m}\n`),
  });
  emit(lab.manifest);
  process.stderr.write(`sushy-tools Redfish emulator with ${count} systems at ${lab.sushy.url}; simulated agents answer for them\n`);
  const stop = (): void => void lab.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise(() => undefined); // run until signalled
}

main().catch((err: unknown) => {
  process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
