/**
 * The BareMetalHost manifest for the virtual-media lab's machines: a `redfish-virtualmedia` BMC
 * address on the lab's sushy-tools, the boot MAC, the boot mode of the machine's firmware, and
 * Metal3's `<host>-network` Secret (nmstate) with a static address on the lab bridge, which has no
 * DHCP server: the agent booted from the ISO must configure itself from it.
 */
import { stringify } from 'yaml';
import type { LibvirtLab, LabVm } from './libvirt-lab.js';

/** First host octet of the machines' static addresses on the lab bridge (`<prefix>.<10 + i>`). */
export const LAB_VM_FIRST_OCTET = 10;

export function libvirtLabHostManifest(lab: Pick<LibvirtLab, 'prefix' | 'credentials' | 'bmcAddress'>, m: Pick<LabVm, 'name' | 'mac' | 'firmware'>, index: number, o: { namespace: string; annotations?: Record<string, string>; spec?: Record<string, unknown> }): string {
  const meta = (name: string): { name: string; namespace: string } => ({ name, namespace: o.namespace });
  const networkData = stringify({
    interfaces: [{ name: 'eth0', type: 'ethernet', state: 'up', 'mac-address': m.mac, ipv4: { enabled: true, dhcp: false, address: [{ ip: `${lab.prefix}.${LAB_VM_FIRST_OCTET + index}`, 'prefix-length': 24 }] } }],
  });
  const docs: unknown[] = [
    { apiVersion: 'v1', kind: 'Secret', metadata: meta(`${m.name}-bmc`), stringData: lab.credentials },
    { apiVersion: 'v1', kind: 'Secret', metadata: meta(`${m.name}-network`), stringData: { networkData } },
    {
      apiVersion: 'metal3.io/v1alpha1',
      kind: 'BareMetalHost',
      metadata: { ...meta(m.name), ...(o.annotations ? { annotations: o.annotations } : {}) },
      spec: {
        online: true,
        bootMACAddress: m.mac,
        bootMode: m.firmware === 'legacy' ? 'legacy' : m.firmware === 'uefi-secureboot' ? 'UEFISecureBoot' : 'UEFI',
        bmc: { address: lab.bmcAddress(m.name), credentialsName: `${m.name}-bmc` },
        preprovisioningNetworkDataName: `${m.name}-network`,
        ...o.spec,
      },
    },
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}
