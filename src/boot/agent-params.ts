/**
 * The agent's kernel command line, the same for every way it boots (iPXE script, agent ISO):
 * ipa-api-url, ipa-inspection-callback-url on inspection boots only (as Ironic does: cleaning and
 * deploy boots go straight to lookup), BOOTIF, ipa-insecure, then the operator's extra parameters.
 */
export interface AgentParamsInput {
  apiUrl: string;
  inspect?: boolean;
  /** The boot MAC as IPA's BOOTIF, or iPXE's `${mac}` that iPXE fills in. */
  bootif: string;
  insecure?: boolean;
  /** Loader-specific parameters placed before the extra ones (iPXE under UEFI: initrd=<name>). */
  loader?: string[];
  extraKernelParams?: string;
}

export function agentKernelParams(p: AgentParamsInput): string[] {
  return [
    `ipa-api-url=${p.apiUrl}`,
    ...(p.inspect ? [`ipa-inspection-callback-url=${p.apiUrl}/v1/continue_inspection`] : []),
    `BOOTIF=${p.bootif}`,
    ...(p.insecure ? ['ipa-insecure=1'] : []),
    ...(p.loader ?? []),
    ...(p.extraKernelParams ? [p.extraKernelParams] : []),
  ];
}
