/**
 * The emulated lab's manifest: N hosts, half of them with an image so they go all the way to
 * provisioned. BMCs are the `fake` driver or sushy-tools Redfish systems (with the simulated agent).
 */
import { stringify } from 'yaml';

export interface LabHost {
  name: string;
  mac: string;
  bmcAddress: string;
}

export function labHosts(count: number, bmc: { kind: 'fake' } | { kind: 'redfish'; origin: string; systemPath: (uuid: string) => string }): Array<LabHost & { uuid: string }> {
  return Array.from({ length: count }, (_, i) => {
    const name = `lab-host-${String(i).padStart(2, '0')}`;
    const hex = i.toString(16).padStart(4, '0');
    const uuid = `0000${hex}-1ab0-4000-8000-00000000${hex}`;
    const mac = `52:54:00:aa:${hex.slice(0, 2)}:${hex.slice(2)}`;
    const bmcAddress = bmc.kind === 'fake' ? `fake://${name}` : `redfish+${bmc.origin.split('://')[0]}://${bmc.origin.split('://')[1]}${bmc.systemPath(uuid)}`;
    return { name, mac, uuid, bmcAddress };
  });
}

/** The fake driver's step durations in the lab (the annotation; Redfish hosts ignore it). */
export const LAB_FAKE_DURATIONS = 'inspect=3s,clean=2s,deploy=5s';
/** Every step of a lifecycle at 0 ms, as Ironic's fake-hardware takes no time (the bench's `--driver fake`). */
export const LAB_FAKE_NO_TIME = 'register=0ms,power=0ms,inspect=0ms,clean=0ms,deploy=0ms';

export function labManifest(hosts: LabHost[], namespace: string, password: string, withImage: (index: number) => boolean = (i) => i % 2 === 0, fakeDurations = LAB_FAKE_DURATIONS): string {
  const docs: unknown[] = [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'lab-bmc-credentials', namespace }, type: 'Opaque', stringData: { username: 'admin', password } },
  ];
  hosts.forEach((h, i) => {
    // The agent's own network (Metal3's `<host>-network` Secret, nmstate): a static address per host.
    docs.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${h.name}-network`, namespace },
      type: 'Opaque',
      stringData: { networkData: stringify({ interfaces: [{ name: 'eth0', type: 'ethernet', state: 'up', 'mac-address': h.mac, ipv4: { enabled: true, dhcp: false, address: [{ ip: `192.168.${100 + Math.floor(i / 250)}.${(i % 250) + 2}`, 'prefix-length': 24 }] } }] }) },
    });
    docs.push({
      apiVersion: 'metal3.io/v1alpha1',
      kind: 'BareMetalHost',
      metadata: { name: h.name, namespace, annotations: { 'fake.metalflow.io/durations': fakeDurations } },
      spec: {
        online: true,
        bootMACAddress: h.mac,
        bmc: { address: h.bmcAddress, credentialsName: 'lab-bmc-credentials' },
        preprovisioningNetworkDataName: `${h.name}-network`,
        ...(withImage(i)
          ? { image: { url: 'http://images.lab.invalid/ubuntu-24.04.qcow2', checksum: 'http://images.lab.invalid/ubuntu-24.04.qcow2.sha256sum', checksumType: 'sha256', format: 'qcow2' } }
          : {}),
      },
    });
  });
  return docs.map((d) => stringify(d)).join('---\n');
}
