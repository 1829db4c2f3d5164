/** describe's Firmware section: settings current (and wanted where different), schema, components, pending updates, policy. */
import { describe, expect, it } from 'vitest';
import { firmwareLines } from '../../../src/client/cli/format.js';
import type { HostView } from '../../../src/contract/index.js';

const view = (extra: Partial<HostView>): HostView => ({ name: 'h', namespace: 'n', generation: 1, createdAt: '', spec: { online: true }, annotations: {}, labels: {}, uid: '', secretRefs: {}, paused: false, detached: false, deleting: false, currentStep: '', status: {} as HostView['status'], ...extra });

describe('describe: firmware', () => {
  it('prints nothing for a host without firmware documents or readings', () => {
    expect(firmwareLines(view({}))).toEqual([]);
  });

  it('prints policy, schema, settings (wanted where different), components and pending updates', () => {
    const lines = firmwareLines(
      view({
        firmware: { settings: { ProcTurboMode: 'Disabled' }, updates: [{ component: 'bmc', url: 'https://fw/bmc.bin' }], updatePolicy: { firmwareSettings: 'onReboot' } },
        status: { firmware: { schemaName: 'schema-0123abcd', settings: { ProcTurboMode: 'Enabled', QuietBoot: 'true' }, components: [{ component: 'bios', initialVersion: '1.0.0', currentVersion: '1.1.0', lastVersionFlashed: '1.1.0', updatedAt: 't' }] } } as unknown as HostView['status'],
      }),
    );
    expect(lines).toEqual([
      'Firmware:',
      '  Update policy:      settings onReboot, updates onPreparing',
      '  Schema:             schema-0123abcd',
      '  ProcTurboMode:      Enabled (wanted Disabled)',
      '  QuietBoot:          true',
      '  Component bios:     1.1.0 (initial 1.0.0, flashed 1.1.0 at t)',
      '  Pending update:     bmc from https://fw/bmc.bin',
    ]);
  });
});
