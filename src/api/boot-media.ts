/**
 * Which boot media a host's BMC address allows (pure: shared by the workflow and the activities). Virtual-media schemes boot an ISO the BMC fetches as its virtual CD; redfish-uefihttp
 * boots the ISO by UEFI HTTP; the others network-boot (PXE/iPXE) and cannot boot an ISO.
 */
import { parseBmcAddress, VIRTUAL_MEDIA_SCHEMES, type BmcAddress } from './bmc-address.js';
import type { Image } from './types.js';

export { VIRTUAL_MEDIA_SCHEMES };

export function isLiveIso(image: Pick<Image, 'format'> | undefined): boolean {
  return image?.format === 'live-iso';
}

/** The boot method of a BMC address, `none` for one that does not parse (apply refused it already). */
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
