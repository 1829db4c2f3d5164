import { describe, expect, it } from 'vitest';
import { ProvisioningState as S, type ProvisioningState } from '../../../src/api/types.js';
import { HANDLERS } from '../../../src/workflows/handlers/index.js';
import { steady } from '../../../src/workflows/handlers/steady.js';
import { STATES, StateTrait, TRANSITIONS, statesWith } from '../../../src/workflows/state-machine.js';

const ALL = Object.values(S) as ProvisioningState[];

describe('host states table', () => {
  it('has a row and a handler for every provisioning state', () => {
    expect(Object.keys(STATES).sort()).toEqual([...ALL].sort());
    expect(Object.keys(HANDLERS).sort()).toEqual([...ALL].sort());
  });

  // The groups as BMO's controller and Ironic's states.py define them.
  it.each([
    [StateTrait.stable, [S.Unmanaged, S.Available, S.Provisioned, S.ExternallyProvisioned]],
    [StateTrait.powerManaged, [S.Available, S.Provisioned, S.ExternallyProvisioned]],
    [StateTrait.detachable, [S.Available, S.Provisioned, S.ExternallyProvisioned]],
    [StateTrait.busy, [S.Inspecting, S.Provisioning, S.Deprovisioning]],
    [StateTrait.deletable, [S.Unmanaged, S.Registering, S.Inspecting, S.Preparing, S.Available, S.Provisioning, S.Provisioned, S.ExternallyProvisioned]],
    [StateTrait.enrolled, [S.Registering, S.Inspecting, S.Preparing, S.Available, S.Provisioning, S.Provisioned, S.ExternallyProvisioned, S.Deprovisioning, S.PoweringOffBeforeDelete]],
    [StateTrait.reregisters, [S.Inspecting, S.Preparing, S.Available, S.Provisioning, S.Provisioned, S.ExternallyProvisioned, S.Deprovisioning]],
  ])('%s states', (trait, states) => {
    expect(statesWith(trait).sort()).toEqual([...states].sort());
  });

  it('runs the steady handler in exactly the stable states', () => {
    for (const s of ALL) expect(HANDLERS[s] === steady, s).toBe(statesWith(StateTrait.stable).includes(s));
  });

  it('lets every deletable state act on delete in the transition table', () => {
    for (const s of statesWith(StateTrait.deletable)) {
      expect(TRANSITIONS.some((t) => t.event === 'delete' && t.from.includes(s) && t.guard === undefined), s).toBe(true);
    }
  });
});
