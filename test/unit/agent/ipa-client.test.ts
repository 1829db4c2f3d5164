/**
 * The IPA command client against the simulated agent's IPA REST API on loopback: clean and deploy
 * steps as Ironic sends them, async polling, busy agent, tokens, failures.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentBusyError, AgentCommandFailedError, AgentTokenRejectedError, AgentUnreachableError, IpaClient } from '../../../src/agent/ipa-client.js';
import { SimulatedIpaServer, type SimulatedMachine } from '../../../lab/agents/ipa-server.js';

const TOKEN = 't'.repeat(43);
const sim = new SimulatedIpaServer({
  durationMs: (c) => (c === 'deploy.execute_deploy_step' ? 300 : 50),
  failure: (host, command) => (host === 'broken' && command === 'deploy.execute_deploy_step' ? 'qemu-img convert failed' : undefined),
});
let server: Server;
let base = '';
const machine = (): SimulatedMachine => ({
  inventory: { interfaces: [{ name: 'eth0', mac_address: '52:54:00:00:00:01' }], disks: [{ name: '/dev/vda', size: 10 * 2 ** 30 }, { name: '/dev/vdb', size: 20 * 2 ** 30 }] },
  disks: { '/dev/vda': { partitionTable: true }, '/dev/vdb': { partitionTable: false } },
  poweredOff: false,
});

beforeAll(async () => {
  server = await sim.listen(0);
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => server.close());

describe('IPA client ⇄ simulated agent', () => {
  it('runs cleaning and deployment the way Ironic does', async () => {
    sim.boot('node-1', machine(), TOKEN);
    const waits: string[] = [];
    const c = new IpaClient(`${base}/node-1`, TOKEN, { pollMs: 20, onWait: (cmd) => waits.push(cmd.command_status) });
    const steps = await c.getCleanSteps({ uuid: 'node-1' });
    const version = steps.command_result?.hardware_manager_version as Record<string, unknown>;
    expect(version).toEqual({ generic_hardware_manager: '1.2' });
    await c.executeCleanStep({ step: 'erase_devices_metadata', interface: 'deploy', priority: 99 }, { uuid: 'node-1' }, version);
    expect(sim.machine('node-1')?.disks['/dev/vda']?.partitionTable).toBe(false);

    const deploy = await c.executeDeployStep(
      { step: 'write_image', interface: 'deploy', args: { image_info: { id: 'img', urls: ['http://images/os.raw'], disk_format: 'raw' }, configdrive: 'H4sI...' } },
      { uuid: 'node-1', properties: { root_device: { name: '/dev/vdb' } } },
      version,
    );
    expect(deploy.command_status).toBe('SUCCEEDED');
    expect(waits.length).toBeGreaterThan(0); // the async step was polled (the activity heartbeats there)
    expect(sim.machine('node-1')?.disks['/dev/vdb']).toEqual({ partitionTable: true, image: 'http://images/os.raw', configDrive: true });
    expect((await c.getPartitionUuids()).command_result).toEqual({});
    await c.installBootloader({ target_boot_mode: 'uefi' });
    await c.powerOff();
    expect(sim.machine('node-1')?.poweredOff).toBe(true);
    expect((await c.commands()).map((x) => x.command_name)).toEqual([
      'get_clean_steps', 'execute_clean_step', 'execute_deploy_step', 'get_partition_uuids', 'install_bootloader', 'power_off',
    ]);
  });

  it('reports a busy agent (409) while a command runs', async () => {
    sim.boot('node-2', machine(), TOKEN);
    const c = new IpaClient(`${base}/node-2`, TOKEN, { pollMs: 20 });
    const running = c.executeDeployStep({ step: 'write_image', args: { image_info: { urls: ['http://i/x'] } } }, {}, {});
    await new Promise((r) => setTimeout(r, 30));
    await expect(c.getCleanSteps({})).rejects.toThrow(AgentBusyError);
    await running;
  });

  it('surfaces a failed command with the agent\'s details', async () => {
    sim.boot('broken', machine(), TOKEN);
    const c = new IpaClient(`${base}/broken`, TOKEN, { pollMs: 20 });
    const err = await c.executeDeployStep({ step: 'write_image', args: { image_info: { urls: ['http://i/x'] } } }, {}, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentCommandFailedError);
    expect((err as Error).message).toBe('agent command execute_deploy_step failed: Command execution failed: qemu-img convert failed');
  });

  it('is refused without the right token, and cannot reach an agent that is gone', async () => {
    sim.boot('node-3', machine(), TOKEN);
    await expect(new IpaClient(`${base}/node-3`, 'x'.repeat(43)).getCleanSteps({})).rejects.toThrow(AgentTokenRejectedError);
    await expect(new IpaClient(`${base}/node-3`, undefined).getCleanSteps({})).rejects.toThrow(AgentTokenRejectedError);
    sim.shutdown('node-3');
    await expect(new IpaClient(`${base}/node-3`, TOKEN).getCleanSteps({})).rejects.toThrow(AgentCommandFailedError); // 404: no such agent
    await expect(new IpaClient('http://127.0.0.1:1/x', TOKEN).getCleanSteps({})).rejects.toThrow(AgentUnreachableError);
  });

  it('treats the callback URL as an opaque base (trailing slash or not)', async () => {
    sim.boot('node-4', machine(), TOKEN);
    expect((await new IpaClient(`${base}/node-4/`, TOKEN).getDeploySteps({})).command_status).toBe('SUCCEEDED');
  });
});
