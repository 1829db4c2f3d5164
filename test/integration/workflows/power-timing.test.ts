/**
 * Soft power off inside its activity (issue 10, item 7): the activity's timeout is derived from the
 * waits of the worker's drivers, so a BMC that ignores GracefulShutdown still gets ForceOff within
 * the same activity attempt. Real host activities and Redfish driver, in-process workers on the
 * suite's Temporal server, a loopback stub BMC.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostActivities } from '../../../src/activities/index.js';
import type { DriverSettings } from '../../../src/activities/drivers.js';
import { DEFAULT_HOST_SETTINGS } from '../../../src/contract/index.js';
import { Keyring } from '../../../src/secrets/keyring.js';
import { hostManifest } from '../../helpers/host-manifest.js';
import { startInProcessWorker, type InProcessWorker } from '../../helpers/in-process-worker.js';
import { STUB_SYSTEM_PATH, startRedfishStub, type RedfishStub } from '../../helpers/redfish-stub.js';
import { TestStack } from '../../helpers/stack.js';

const NS = 'it-power';

/** A stack whose host worker runs in this process with these driver settings. */
class PowerStack {
  readonly stack = new TestStack();
  bmc!: RedfishStub;
  private worker: InProcessWorker | undefined;

  constructor(private readonly opts: { ignoreSoftOff: boolean; drivers: Partial<DriverSettings> }) {}

  async start(): Promise<void> {
    this.bmc = await startRedfishStub({ power: 'On', ignoreSoftOff: this.opts.ignoreSoftOff });
    const drivers: DriverSettings = { fakeStateDir: join(this.stack.dataDir, 'fake-hardware'), fakeStepMs: 10, ...this.opts.drivers };
    this.worker = await startInProcessWorker(this.stack, createHostActivities({ keyring: Keyring.load(this.stack.keyDir), drivers, settings: { ...DEFAULT_HOST_SETTINGS, agent: 'inline' } }));
  }

  async stop(): Promise<void> {
    await this.worker?.stop();
    await this.bmc?.close();
    await this.stack.stop();
  }

  /** An externally provisioned host that is on while its spec says off: the workflow powers it off (soft first). */
  async applyHost(name: string): Promise<void> {
    const address = `redfish+http://${this.bmc.url.replace('http://', '')}${STUB_SYSTEM_PATH}`;
    const spec = ['online: false', 'externallyProvisioned: true', `bmc: {address: "${address}", credentialsName: ${name}-bmc}`];
    await this.stack.client.apply([{ name: `${name}.yaml`, text: hostManifest(NS, name, spec) }]);
  }

  /** startToCloseTimeout (ms) of every setPowerState the workflow scheduled. */
  async powerTimeouts(name: string): Promise<number[]> {
    const history = await this.stack.client.handle(NS, name).fetchHistory();
    return (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'setPowerState')
      .map((a) => Number(a?.startToCloseTimeout?.seconds ?? 0) * 1000 + Math.round((a?.startToCloseTimeout?.nanos ?? 0) / 1e6));
  }
}

describe('soft power off fits its activity', () => {
  const defaults = new PowerStack({ ignoreSoftOff: false, drivers: {} });
  const ignoring = new PowerStack({ ignoreSoftOff: true, drivers: { softPowerOffTimeoutMs: 2_000, powerStateTimeoutMs: 2_000, powerPollMs: 100 } });
  beforeAll(async () => {
    await defaults.start();
    await ignoring.start();
  }, 120_000);
  afterAll(async () => {
    await defaults.stop();
    await ignoring.stop();
  });

  it('gives a power off with the default waits (180 s soft off, 120 s power state) time for both', async () => {
    await defaults.applyHost('pt-default');
    const v = await defaults.stack.client.waitFor(NS, 'pt-default', (h) => h.status.provisioning.state === 'externally provisioned' && !h.status.poweredOn, 60_000);
    expect(v.status.errorType).toBe('');
    expect(defaults.bmc.resets).toEqual(['GracefulShutdown']);
    const [timeout] = await defaults.powerTimeouts('pt-default');
    expect(timeout).toBeGreaterThanOrEqual(180_000 + 120_000);
  });

  it('reaches ForceOff when the BMC ignores GracefulShutdown, in one activity attempt, and succeeds', async () => {
    await ignoring.applyHost('pt-ignore');
    const v = await ignoring.stack.client.waitFor(NS, 'pt-ignore', (h) => h.status.provisioning.state === 'externally provisioned' && !h.status.poweredOn, 60_000);
    expect(v.status.errorType).toBe('');
    expect(ignoring.bmc.resets).toEqual(['GracefulShutdown', 'ForceOff']);
    expect(ignoring.bmc.power()).toBe('Off');
    const history = await ignoring.stack.client.handle(NS, 'pt-ignore').fetchHistory();
    const started = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes).filter((a) => a !== undefined && a !== null);
    expect(started.every((a) => (a.attempt ?? 1) === 1)).toBe(true); // no timeout, no retry
    const [timeout] = await ignoring.powerTimeouts('pt-ignore');
    expect(timeout).toBeGreaterThanOrEqual(2_000 + 2_000);
  });
});
