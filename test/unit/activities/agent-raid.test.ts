/**
 * Software RAID through the agent as Ironic drives it: the RAID clean steps with the node's
 * target_raid_config, then the deployment onto the md device (not a holder disk) followed by
 * install_bootloader, against a loopback agent that records every command it is sent.
 */
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBootActivities } from '../../../src/activities/boot-activities.js';
import { listenHttp, portOf, readBody } from '../../../src/agent/http-server.js';
import { targetRaidConfig } from '../../../src/api/raid.js';
import { createKeys } from '../../../src/secrets/key-store.js';
import { Keyring } from '../../../src/secrets/keyring.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const GIB = 2 ** 30;
const dir = mkdtempSync(join(tmpdir(), 'agent-raid-'));
createKeys(join(dir, 'keys'));
const keyring = Keyring.load(join(dir, 'keys'));
const sent: Array<{ name: string; params: Record<string, unknown> }> = [];
/** The inventory: two holder disks and the RAID-1 array on them (IPA lists md devices as disks). */
let disks = [
  { name: '/dev/vda', size: 5 * GIB, serial: 'D1' },
  { name: '/dev/vdb', size: 5 * GIB, serial: 'D2' },
  { name: '/dev/md0', size: 4.4 * GIB },
];
let server: Server;

beforeAll(async () => {
  server = await listenHttp(async (req, res) => {
    const body = req.method === 'POST' ? (JSON.parse(await readBody(req)) as { name: string; params: Record<string, unknown> }) : undefined;
    if (!body) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ commands: [] }));
    sent.push(body);
    const result: Record<string, unknown> =
      body.name === 'poll.get_hardware_info' ? { interfaces: [], disks }
      : body.name === 'standby.get_partition_uuids' ? { 'root uuid': '0x1234abcd' }
      : body.name.endsWith('get_clean_steps') || body.name.endsWith('get_deploy_steps') ? { hardware_manager_version: { generic_hardware_manager: '1.2' } }
      : {};
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: String(sent.length), command_name: body.name, command_status: 'SUCCEEDED', command_error: null, command_result: result }));
  }, 0, '127.0.0.1');
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  removeTempDir(dir);
});

const boot = () =>
  createBootActivities({
    keyring,
    sessions: { get: () => ({ session: 's1', callbackUrl: `http://127.0.0.1:${portOf(server)}` }), endAfterInspection: () => undefined } as never,
    api: { tokens: { current: () => 'token' } } as never,
    agentPollMs: 10,
  });

describe('software RAID through the agent', () => {
  it('runs the RAID clean steps with target_raid_config, the boot mode and the GPT label on the node', async () => {
    sent.length = 0;
    const config = targetRaidConfig([{ level: '1' }]);
    const steps = [
      { interface: 'raid', step: 'delete_configuration' },
      { interface: 'deploy', step: 'erase_devices_metadata' },
      { interface: 'raid', step: 'create_configuration' },
    ] as const;
    await new MockActivityEnvironment().run(boot().agentConfigureRaid, { uuid: 'u1', session: 's1', steps: [...steps], targetRaidConfig: config, bootMode: 'UEFI' as const });
    expect(sent.map((c) => c.name)).toEqual(['clean.get_clean_steps', 'clean.execute_clean_step', 'clean.execute_clean_step', 'clean.execute_clean_step']);
    const node = { uuid: 'u1', target_raid_config: config, properties: { capabilities: { boot_mode: 'uefi', disk_label: 'gpt' } }, instance_info: { capabilities: { boot_mode: 'uefi', disk_label: 'gpt' } } };
    expect(sent[0]?.params.node).toEqual(node);
    expect(sent.slice(1).map((c) => c.params.step)).toEqual(steps.map((s) => ({ ...s, priority: 0, args: {} })));
    expect(sent.slice(1).every((c) => JSON.stringify(c.params.node) === JSON.stringify(node))).toBe(true);
    expect(sent[1]?.params.clean_version).toEqual({ generic_hardware_manager: '1.2' });
  });

  it('deploys onto the md root volume, never a holder disk, then installs the bootloader as Ironic does', async () => {
    sent.length = 0;
    const input = { uuid: 'u1', session: 's1', name: 'h', namespace: 'ns', image: { url: 'http://img/x.raw', checksum: 'abc', checksumType: 'md5' as const }, secrets: {} };
    const r = (await new MockActivityEnvironment().run(boot().agentDeploy, { ...input, softwareRaidRoot: '/dev/md0' })) as { rootDevice: string };
    expect(r.rootDevice).toBe('/dev/md0');
    const write = sent.find((c) => c.name === 'deploy.execute_deploy_step');
    expect((write?.params.node as { properties: unknown }).properties).toEqual({ root_device: { name: '/dev/md0' } });
    expect(sent.map((c) => c.name).slice(-2)).toEqual(['standby.get_partition_uuids', 'image.install_bootloader']);
    expect(sent.at(-1)?.params).toEqual({ root_uuid: '0x1234abcd', efi_system_part_uuid: null, target_boot_mode: 'uefi' });

    // Without software RAID: Ironic's default root (the smallest disk ≥ 4 GiB), no bootloader step.
    sent.length = 0;
    await new MockActivityEnvironment().run(boot().agentDeploy, { ...input, rootDeviceHints: { serialNumber: 'D2' } });
    expect(sent.map((c) => c.name)).toContain('deploy.execute_deploy_step');
    expect(sent.map((c) => c.name)).not.toContain('image.install_bootloader');
  });

  it('takes the only array when it came back under another name, and refuses when there is none', async () => {
    const input = { uuid: 'u1', session: 's1', name: 'h', namespace: 'ns', image: { url: 'http://img/x.raw' }, secrets: {}, softwareRaidRoot: '/dev/md0' };
    const saved = disks;
    try {
      disks = [...saved.slice(0, 2), { name: '/dev/md127', size: 4.4 * GIB }];
      await expect(new MockActivityEnvironment().run(boot().agentDeploy, input)).resolves.toEqual({ rootDevice: '/dev/md127' });
      disks = saved.slice(0, 2);
      sent.length = 0;
      await expect(new MockActivityEnvironment().run(boot().agentDeploy, input)).rejects.toThrow(/no disk matches rootDeviceHints \{"deviceName":"\/dev\/md0"\}/);
      expect(sent.map((c) => c.name)).not.toContain('deploy.execute_deploy_step');
    } finally {
      disks = saved;
    }
  });
});
