/**
 * live-iso images (Metal3's `format: live-iso`, Ironic's ramdisk deploy with boot_iso): the BMC
 * boots the image itself as its virtual CD and the host stays on it — no agent, no cleaning before,
 * no disk write, no config drive (BMO gives none: some BMCs have one virtual CD only). Hosts whose
 * BMC has no virtual media get a clear provisioning error naming their driver.
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { bootMethodOf, isLiveIso, liveIsoUnsupported } from '../api/boot-media.js';
import { parseBmcAddress } from '../api/bmc-address.js';
import type { Image } from '../api/types.js';
import { FailureType } from '../errors.js';
import type { HostRun } from './host-run.js';
import { bootModeOf } from './host-run.js';

/**
 * Marks runs that boot live-iso images by virtual media (and eject them on deprovisioning). Runs
 * recorded before it sent them to the agent's write_image like any image.
 */
export const LIVE_ISO_PATCH = 'live-iso-by-virtual-media';

/** This image is provisioned as a live ISO in this run (fake hosts keep their simulated deploy). */
export function bootsLiveIso(host: HostRun, image: Image | undefined): boolean {
  // patched() only when it applies: other hosts' histories get no marker.
  return isLiveIso(image) && bootMethodOf(host.spec.bmc?.address ?? '') !== 'none' && patched(LIVE_ISO_PATCH);
}

/** Inserts the live ISO and boots it persistently, powered as `online` says. */
export async function provisionLiveIso(host: HostRun, image: Image, online: boolean): Promise<void> {
  const address = parseBmcAddress(host.spec.bmc?.address ?? '');
  if (address.bootMethod !== 'virtualmedia') throw ApplicationFailure.nonRetryable(liveIsoUnsupported(address.scheme), FailureType.LiveIsoNeedsVirtualMedia);
  await host.bmc('bootLiveIso').bootLiveIso({ target: host.target(), opId: host.opId('boot-live-iso'), media: { url: image.url }, on: online, ...bootModeOf(host) });
}

/** Before deprovisioning a live-iso host: power off, eject the ISO, boot from disk again (cleaning follows as usual). */
export async function leaveLiveIso(host: HostRun): Promise<void> {
  if (bootMethodOf(host.spec.bmc?.address ?? '') !== 'virtualmedia') return;
  await host.bmc('bootFromDisk').bootFromDisk({ target: host.target(), opId: host.opId('eject-live-iso'), on: false, ...bootModeOf(host) });
}
