/** Provisioning: clean, write the image and its config drive, boot the deployed OS. */
import { softwareRaidRootDevice } from '../../api/raid.js';
import { ErrorType } from '../../api/types.js';
import { bootModeOf, type HostRun } from '../host-run.js';
import { inBandWorkOf } from '../in-band/work-of-host.js';
import { bootsLiveIso, provisionLiveIso } from '../live-iso.js';
import { HostEvent } from '../state-machine.js';

export async function provisioning(host: HostRun): Promise<void> {
  const { spec, status } = host;
  const image = spec.image;
  if (!image) {
    host.setError(ErrorType.Provisioning, `customDeploy (${spec.customDeploy?.method ?? ''}) needs a deploy agent; the ${spec.bmc?.address.split(':')[0] ?? ''} driver has none`);
    status.provisioningFailCount += 1;
    await host.advance(HostEvent.ProvisionFailed);
    return;
  }
  status.operationHistory.provision = { start: new Date().toISOString(), end: null };
  const { userData, networkData, metaData, preprovisioningNetworkData } = host.def.secrets;
  const secrets = {
    ...(userData ? { userData } : {}),
    ...(networkData ? { networkData } : {}),
    ...(metaData ? { metaData } : {}),
    ...(preprovisioningNetworkData ? { preprovisioningNetworkData } : {}),
  };
  // The array preparing built (IPA names volumes /dev/md<i>); hints, when given, still choose.
  const raidRoot = softwareRaidRootDevice(status.provisioning.raid);
  const request = {
    image,
    ...(spec.rootDeviceHints ? { rootDeviceHints: spec.rootDeviceHints } : {}),
    ...bootModeOf(host),
    ...(raidRoot ? { softwareRaidRoot: raidRoot } : {}),
    clean: spec.automatedCleaningMode !== 'disabled',
    online: spec.online,
    secrets,
  };
  const work = bootsLiveIso(host, image) ? () => provisionLiveIso(host, image, spec.online) : () => inBandWorkOf(host).provision(host, request);
  const r = await host.step('provisionHost', ErrorType.Provisioning, work, { interruptible: true });
  if (!r.ok) {
    if (r.interrupted) return;
    // BMO: a provisioning error deprovisions (cleans up) before the next attempt, which backs off.
    status.provisioningFailCount += 1;
    await host.advance(HostEvent.ProvisionFailed);
    return;
  }
  status.provisioningFailCount = 0;
  status.provisioning.image = image;
  status.provisioning.rootDeviceHints = spec.rootDeviceHints;
  status.poweredOn = spec.online;
  status.operationHistory.provision.end = new Date().toISOString();
  await host.advance(HostEvent.Provisioned);
}
