/**
 * iPXE scripts, after Ironic's ipxe_config.template: the agent boot (kernel + initramfs over
 * HTTP, with the kernel command line IPA reads: ipa-api-url, ipa-inspection-callback-url (inspection
 * boots only), BOOTIF,
 * ipa-insecure) retried a few times, or the local disk.
 */
import { agentKernelParams } from '../agent-params.js';
import type { BootTarget } from '../boot-config.js';

export interface AgentBootSettings {
  /** Where the agent kernel and initramfs are served (http://host:port/agent). */
  agentBaseUrl: string;
  kernel: string;
  initramfs: string;
  /** The Ironic agent API the agent calls (http://host:6385). */
  apiUrl: string;
  /** Extra kernel parameters (e.g. console=ttyS0 ipa-debug=1). */
  extraKernelParams?: string;
  /** Agent talks to an API with a certificate it cannot verify. */
  insecure?: boolean;
}

export function agentScript(target: BootTarget, s: AgentBootSettings): string {
  const params = agentKernelParams({
    apiUrl: s.apiUrl,
    ...(target.inspect ? { inspect: true } : {}),
    bootif: '${mac}',
    ...(s.insecure ? { insecure: true } : {}),
    // Debian's iPXE under UEFI only hands over an initrd named on the command line.
    loader: [`initrd=${s.initramfs}`],
    ...(s.extraKernelParams ? { extraKernelParams: s.extraKernelParams } : {}),
  }).join(' ');
  // No host name, MAC or UUID: anyone on the network can fetch any MAC's script.
  return `#!ipxe
# metalflow: agent boot
set attempts:int32 10
set i:int32 0
:retry_boot
imgfree
kernel --timeout 60000 ${s.agentBaseUrl}/${s.kernel} ${params} || goto boot_retry
initrd --timeout 60000 ${s.agentBaseUrl}/${s.initramfs} || goto boot_retry
boot
:boot_retry
iseq \${i} \${attempts} && goto boot_failed ||
inc i
sleep 1
goto retry_boot
:boot_failed
echo metalflow: could not load the agent, rebooting
reboot
`;
}

/** The same script for every MAC, known host or not: it must not tell who is registered. */
export function localBootScript(): string {
  return `#!ipxe
# metalflow: local boot
iseq \${platform} efi && goto efi ||
sanboot --no-describe --drive 0x80 || goto out
:efi
exit
:out
exit
`;
}
