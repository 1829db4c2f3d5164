/**
 * Which boot media a host's BMC address allows (pure: shared by validation, the workflow and the
 * activities). Virtual-media schemes boot an ISO the BMC fetches as its virtual CD; redfish-uefihttp
 * boots the ISO by UEFI HTTP; the others network-boot (PXE/iPXE) and cannot boot an ISO.
 */
import { parseBmcAddress, type BmcAddress } from './bmc-address.js';
import type { Image } from './types.js';

/** Address schemes whose BMC inserts an ISO as a virtual CD. */
export const VIRTUAL_MEDIA_SCHEMES = ['redfish-virtualmedia', 'idrac-virtualmedia', 'ilo5-virtualmedia'] as const;

export function isLiveIso(image: Pick<Image, 'format'> | undefined): boolean {
  return image?.format === 'live-iso';
}

/** The boot method of a BMC address, `none` for one that does not parse (validation reports it). */
export function bootMethodOf(address: string): BmcAddress['bootMethod'] {
  try {
    return parseBmcAddress(address).bootMethod;
  } catch {
    return 'none';
  }
}

/** Why a live-iso image cannot be provisioned on a host of this scheme (as BMO words driver limits). */
export function liveIsoUnsupported(scheme: string): string {
  return `BMC driver ${scheme} does not support live-iso images: they are booted by virtual media (use a ${VIRTUAL_MEDIA_SCHEMES.map((s) => `${s}://`).join(', ')} BMC address)`;
}
