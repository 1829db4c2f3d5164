/** What a sushy-tools notification means for a simulated machine: which boots start the agent. */
import { describe, expect, it } from 'vitest';
import { machineChange, type SushySystem } from '../../../../lab/agents/sushy-notifications.js';

const powerOn = (extra: Partial<SushySystem>): SushySystem => ({ uuid: 'u', name: 'm', power_state: 'Off', pending_power: { power_state: 'On', apply_time: 100 }, ...extra });

describe('machineChange', () => {
  it('boots the agent on a power-on with a network boot device', () => {
    expect(machineChange(powerOn({ boot_device: 'Pxe' }), false)).toEqual({ stop: false, bootAt: 100_000 });
  });

  it('boots from the virtual CD only when media is inserted (sushy: boot_image.Cd = [path, write-protected, inserted])', () => {
    expect(machineChange(powerOn({ boot_device: 'Cd', boot_image: { Cd: ['/tmp/x/agent.iso', true, true] } }), false)).toEqual({ stop: false, bootAt: 100_000 });
    expect(machineChange(powerOn({ boot_device: 'Cd', boot_image: { Cd: [null, true, false] } }), false)).toEqual({ stop: false });
    expect(machineChange(powerOn({ boot_device: 'Cd' }), false)).toEqual({ stop: false });
  });

  it('does not boot the agent from disk', () => {
    expect(machineChange(powerOn({ boot_device: 'Hdd' }), false)).toEqual({ stop: false });
  });
});
