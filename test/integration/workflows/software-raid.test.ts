/**
 * Software RAID in preparing on a real Temporal dev server with the fake driver: a host asking for
 * `raid.softwareRAIDVolumes` gets the RAID clean steps (delete, erase metadata, create) once, in
 * preparing, with status.provisioning.raid recorded; provisioning does not repeat them; dropping
 * the RAID from an available host sends it back to preparing, which only clears (delete, erase);
 * the recorded histories replay.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hostWorkflowId } from '../../../src/contract/index.js';
import { replayHistories } from '../../helpers/replay.js';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';

const NS = 'it-raid';
const NAME = 'raid-0';
const stack = useTestStack();

/** The fake host manifest with `raid` (and optionally an image) in its spec. */
function manifest(raid: string | undefined, image = false): { name: string; text: string } {
  const text = fakeHostsManifest(NS, [{ name: NAME, image }]).replace('spec:\n', `spec:\n${raid ? `  raid:\n${raid}\n` : ''}`);
  return { name: 'raid.yaml', text };
}
const RAID_1 = '    softwareRAIDVolumes:\n      - level: "1"\n      - level: "0"\n        sizeGibibytes: 10';
const raidEffects = (): string[] => (stack.fakeState(NS, NAME)?.effects ?? []).map((e) => e.what).filter((w) => w.startsWith('raid:'));

describe('software RAID through preparing (fake driver)', () => {
  it('configures the requested arrays in preparing and records status.provisioning.raid', async () => {
    await stack.client.apply([manifest(RAID_1)]);
    const v = await stack.client.waitFor(NS, NAME, (h) => h.status.provisioning.state === 'available', 60_000);
    expect(v.status.errorMessage).toBe('');
    expect(v.status.provisioning.raid).toEqual({ softwareRAIDVolumes: [{ level: '1' }, { level: '0', sizeGibibytes: 10 }] });
    expect(raidEffects()).toEqual(['raid: raid.delete_configuration, deploy.erase_devices_metadata, raid.create_configuration → md0 RAID-1 MAX, md1 RAID-0 10 GiB']);
  });

  it('provisioning does not configure the RAID again', async () => {
    await stack.client.apply([manifest(RAID_1, true)]);
    const v = await stack.client.waitFor(NS, NAME, (h) => h.status.provisioning.state === 'provisioned', 60_000);
    expect(v.status.errorMessage).toBe('');
    expect(raidEffects()).toHaveLength(1);
  });

  it('dropping the RAID from an available host goes back through preparing, which clears it', async () => {
    await stack.client.apply([manifest(RAID_1, false)]); // deprovision first
    await stack.client.waitFor(NS, NAME, (h) => h.status.provisioning.state === 'available', 60_000);
    await stack.client.apply([manifest(undefined, false)]);
    const v = await stack.client.waitFor(NS, NAME, (h) => h.status.provisioning.state === 'available' && h.status.provisioning.raid?.softwareRAIDVolumes?.length === 0, 60_000);
    expect(v.status.errorMessage).toBe('');
    expect(raidEffects()).toEqual([
      'raid: raid.delete_configuration, deploy.erase_devices_metadata, raid.create_configuration → md0 RAID-1 MAX, md1 RAID-0 10 GiB',
      'raid: raid.delete_configuration, deploy.erase_devices_metadata',
    ]);
  });

  it('replays its history with the current workflow code', async () => {
    const workflowId = hostWorkflowId(NS, NAME);
    const history = await stack.client.handle(NS, NAME).fetchHistory();
    if (process.env.RECORD_HISTORIES) {
      const dir = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}${workflowId.replace(/\//g, '_')}.json`, await stack.temporal(['workflow', 'show', '--workflow-id', workflowId, '-o', 'json']));
    }
    const { replayed, failures } = await replayHistories([{ workflowId, history }]);
    expect(failures).toEqual([]);
    expect(replayed).toBe(1);
  });
});
