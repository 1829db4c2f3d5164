import { describe, expect, it } from 'vitest';
import { ProvisioningState as S, type ProvisioningState } from '../../../src/api/types.js';
import { DELETED, HostEvent, TRANSITIONS, eventsFrom, nextTransition, type GuardContext, type LifecycleState } from '../../../src/workflows/state-machine.js';

const base: GuardContext = { hasBmc: true, externallyProvisioned: false, inspectionDisabled: false, deleting: false, detached: false };
const ctx = (over: Partial<GuardContext> = {}): GuardContext => ({ ...base, ...over });

// Every edge of the table with the guard context that selects it: [from, event, context, to].
const EDGES: Array<[ProvisioningState, HostEvent, Partial<GuardContext>, LifecycleState]> = [
  [S.None, HostEvent.Start, { hasBmc: false }, S.Unmanaged],
  [S.None, HostEvent.Start, {}, S.Registering],
  [S.Unmanaged, HostEvent.Manage, {}, S.Registering],
  [S.Unmanaged, HostEvent.Delete, {}, S.Deleting],
  // Adoption of a host exported from Metal3: registered and checked, then straight to its state.
  [S.Registering, HostEvent.Registered, { imported: S.Provisioned }, S.Provisioned],
  [S.Registering, HostEvent.Registered, { imported: S.ExternallyProvisioned }, S.ExternallyProvisioned],
  [S.Registering, HostEvent.Registered, { imported: S.Available, inspectionDisabled: false }, S.Available],
  [S.Registering, HostEvent.Registered, { imported: S.Preparing }, S.Preparing],
  [S.Registering, HostEvent.Registered, { externallyProvisioned: true }, S.ExternallyProvisioned],
  [S.Registering, HostEvent.Registered, { inspectionDisabled: true }, S.Preparing],
  [S.Registering, HostEvent.Registered, {}, S.Inspecting],
  [S.Registering, HostEvent.Delete, {}, S.Deleting],
  [S.Inspecting, HostEvent.Inspected, {}, S.Preparing],
  [S.Preparing, HostEvent.Prepared, {}, S.Available],
  [S.Available, HostEvent.Adopt, {}, S.ExternallyProvisioned],
  [S.Available, HostEvent.Inspect, {}, S.Inspecting],
  [S.Available, HostEvent.Prepare, {}, S.Preparing],
  [S.Available, HostEvent.Provision, {}, S.Provisioning],
  [S.Inspecting, HostEvent.Delete, {}, S.PoweringOffBeforeDelete],
  [S.Preparing, HostEvent.Delete, {}, S.PoweringOffBeforeDelete],
  [S.Available, HostEvent.Delete, {}, S.PoweringOffBeforeDelete],
  [S.ExternallyProvisioned, HostEvent.Delete, {}, S.PoweringOffBeforeDelete],
  [S.Provisioning, HostEvent.Provisioned, {}, S.Provisioned],
  [S.Provisioning, HostEvent.ProvisionFailed, {}, S.Deprovisioning],
  [S.Provisioning, HostEvent.Deprovision, {}, S.Deprovisioning],
  [S.Provisioned, HostEvent.Deprovision, {}, S.Deprovisioning],
  [S.Provisioning, HostEvent.Delete, {}, S.Deprovisioning],
  [S.Provisioned, HostEvent.Delete, {}, S.Deprovisioning],
  [S.ExternallyProvisioned, HostEvent.Unadopt, {}, S.Provisioned],
  [S.Deprovisioning, HostEvent.Deprovisioned, { deleting: true }, S.PoweringOffBeforeDelete],
  [S.Deprovisioning, HostEvent.Deprovisioned, {}, S.Available],
  [S.Deprovisioning, HostEvent.GiveUp, {}, S.PoweringOffBeforeDelete],
  [S.PoweringOffBeforeDelete, HostEvent.PoweredOff, {}, S.Deleting],
  [S.PoweringOffBeforeDelete, HostEvent.GiveUp, {}, S.Deleting],
  [S.Deleting, HostEvent.Deleted, {}, DELETED],
];

describe('host transition table', () => {
  it.each(EDGES)('%s --%s %o--> %s', (from, event, over, to) => {
    expect(nextTransition(from, event, ctx(over))?.to).toBe(to);
  });

  it('has a test edge for every row of the table', () => {
    for (const t of TRANSITIONS) {
      for (const from of t.from) {
        const covered = EDGES.some(([f, e, , to]) => f === from && e === t.event && to === t.to) ||
          (t.event === HostEvent.Delete && t.to === S.Deleting && t.guard !== undefined);
        expect(covered, `${from} --${t.event}--> ${t.to}`).toBe(true);
      }
    }
  });

  it('sends a detached host straight to deleting from every managed state', () => {
    for (const from of [S.Registering, S.Inspecting, S.Available, S.Provisioned, S.ExternallyProvisioned, S.Provisioning, S.Deprovisioning] as const) {
      expect(nextTransition(from, HostEvent.Delete, ctx({ detached: true }))?.to).toBe(S.Deleting);
    }
  });

  it('an imported state wins over the spec guards, and states that restart take the normal path', () => {
    expect(nextTransition(S.Registering, HostEvent.Registered, ctx({ imported: S.Provisioned, externallyProvisioned: true }))?.to).toBe(S.Provisioned);
    expect(nextTransition(S.Registering, HostEvent.Registered, ctx({ imported: S.Inspecting }))?.to).toBe(S.Inspecting);
    expect(nextTransition(S.Registering, HostEvent.Registered, ctx({ imported: S.Registering }))?.to).toBe(S.Inspecting);
  });

  it('rejects events a state does not accept', () => {
    expect(nextTransition(S.Available, HostEvent.Provisioned, base)).toBeUndefined();
    expect(nextTransition(S.Provisioned, HostEvent.Provision, base)).toBeUndefined();
    expect(nextTransition(S.Deleting, HostEvent.Delete, base)).toBeUndefined();
    expect(nextTransition(S.Inspecting, HostEvent.Provision, base)).toBeUndefined();
  });

  it('gates exactly the entries into inspecting, provisioning and deprovisioning-by-request on capacity', () => {
    const gated = TRANSITIONS.filter((t) => t.needsCapacity).map((t) => `${t.event}->${t.to}`);
    expect(gated.sort()).toEqual(['deprovision->deprovisioning', 'inspect->inspecting', 'provision->provisioning', 'registered->inspecting']);
  });

  it('lists the events a state accepts', () => {
    expect(eventsFrom(S.Available).sort()).toEqual([HostEvent.Adopt, HostEvent.Delete, HostEvent.Inspect, HostEvent.Prepare, HostEvent.Provision].sort());
  });

  it('puts guarded rows before their fallbacks so every guarded row is reachable', () => {
    TRANSITIONS.forEach((t, i) => {
      if (!t.guard) return;
      const earlierFallback = TRANSITIONS.slice(0, i).find((u) => !u.guard && u.event === t.event && u.from.some((f) => t.from.includes(f)));
      expect(earlierFallback, `row ${i} (${t.event}) is shadowed`).toBeUndefined();
    });
  });
});
