/**
 * BMO's hardware profiles (apis/metal3.io/v1alpha1/profile/profile.go) and the name it reports in
 * `status.hardwareProfile` (controller getHardwareProfileName). The profiles' default root device
 * hints are not applied: metalflow's root device comes from spec.rootDeviceHints alone.
 */
export const HARDWARE_PROFILES: readonly string[] = ['unknown', 'libvirt', 'dell', 'dell-raid', 'openstack', 'empty'];

/** The spec's profile if set, else the one already reported (an adopted status), else BMO's default for the address. */
export function hardwareProfileName(spec: { hardwareProfile?: string; bmc?: { address?: string } }, reported?: string): string {
  if (spec.hardwareProfile) return spec.hardwareProfile;
  if (reported) return reported;
  return (spec.bmc?.address ?? '').startsWith('libvirt') ? 'libvirt' : 'unknown';
}
