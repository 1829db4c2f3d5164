/** The workflow's applySpec validator checks the firmware part too: a client may skip the CLI. */
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../../src/api/change-rules.js';
import { FIRMWARE_MAX_SETTINGS, FIRMWARE_MAX_UPDATES } from '../../../src/api/firmware-manifest.js';
import type { BareMetalHost } from '../../../src/api/types.js';

const host: BareMetalHost = { apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'h', namespace: 'm' }, spec: { online: true } };
const check = (firmware: unknown): string[] =>
  validateDefinition({ host, secrets: {}, firmware }, host, { state: 'available', detached: false }).map((e) => `${e.field}: ${e.reason}`);

describe('validateDefinition: firmware', () => {
  it('accepts a valid firmware part, or none', () => {
    expect(check(undefined)).toEqual([]);
    expect(check({ settings: { ProcTurboMode: 'Disabled', Count: 3 }, updates: [{ component: 'bios', url: 'https://fw.example/b.bin' }], updatePolicy: { firmwareSettings: 'onReboot' } })).toEqual([]);
  });

  it('refuses shapes workflow code cannot read', () => {
    expect(check({ updates: {} })).toEqual(['firmware.updates: must be a list of {component, url}']);
    expect(check({ settings: [] })).toEqual(['firmware.settings: must be a map of setting name to value']);
    expect(check({ settings: { A: true } })).toEqual(['firmware.settings.A: must be a string or an integer']);
    expect(check({ updates: [{ component: 'bios' }] })).toEqual(['firmware.updates[0]: must have component and url (strings)']);
    expect(check({ updates: [{ component: 'gpu', url: 'https://x/y' }] })[0]).toMatch(/^firmware\.updates\[0\]\.component: component gpu is invalid/);
    expect(check({ updatePolicy: { firmwareSettings: 'never' } })).toEqual(['firmware.updatePolicy.firmwareSettings: Unsupported value: "never": supported values: "onPreparing", "onReboot"']);
    expect(check({ bogus: 1 })).toEqual(['firmware.bogus: unknown field']);
    expect(check('x')).toEqual(['firmware: must be a map']);
  });

  it('applies the caps', () => {
    expect(check({ settings: Object.fromEntries(Array.from({ length: FIRMWARE_MAX_SETTINGS + 1 }, (_, i) => [`A${i}`, 'x'])) })).toEqual([`firmware.settings: has ${FIRMWARE_MAX_SETTINGS + 1} settings, more than ${FIRMWARE_MAX_SETTINGS}`]);
    expect(check({ updates: Array.from({ length: FIRMWARE_MAX_UPDATES + 1 }, () => ({ component: 'bios', url: 'https://x/y' })) })).toEqual([`firmware.updates: has ${FIRMWARE_MAX_UPDATES + 1} updates, more than ${FIRMWARE_MAX_UPDATES}`]);
  });
});
