import { describe, expect, it } from 'vitest';
import { MAX_NETWORK_DATA_BYTES, MAX_NMSTATE_ADDRESSES, MAX_NMSTATE_DNS_ENTRIES, MAX_NMSTATE_INTERFACES, MAX_NMSTATE_ROUTES, MAX_NMSTATE_YAML_ALIASES, networkdFromNmstate } from '../../../../src/boot/media/nmstate-networkd.js';
import { NetworkDataError } from '../../../../src/errors.js';

/** The seed's `<host>-network` example (metal3 chart README, "Network Setup"). */
const seed = `interfaces:
- name: enp1s0
  type: ethernet
  state: up
  mac-address: "52:54:00:AA:BB:CC"
  ipv4:
    address:
    - ip: 192.168.222.20
      prefix-length: 24
    enabled: true
    dhcp: false
dns-resolver:
  config:
    server:
    - 192.168.222.1
routes:
  config:
  - destination: 0.0.0.0/0
    next-hop-address: 192.168.222.1
    next-hop-interface: enp1s0
`;

const reason = (yaml: string): string => {
  try {
    networkdFromNmstate(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(NetworkDataError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('nmstate to systemd-networkd', () => {
  it('turns the seed example into one .network file matching the MAC that sorts before the ramdisk 80-dhcp.network', () => {
    const files = networkdFromNmstate(seed);
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(f.name).toBe('10-metalflow-0-enp1s0.network');
    expect(f.name < '80-dhcp.network').toBe(true);
    expect(f.content).toBe(`# metalflow: preprovisioningNetworkData interfaces[0] (enp1s0)
[Match]
MACAddress=52:54:00:aa:bb:cc

[Network]
DHCP=no
LinkLocalAddressing=no
IPv6AcceptRA=no
Address=192.168.222.20/24
DNS=192.168.222.1

[Route]
Destination=0.0.0.0/0
Gateway=192.168.222.1
`);
  });

  it('expresses DHCP, IPv6 static addresses, search domains, MTU and a link left down', () => {
    const files = networkdFromNmstate(`interfaces:
- {name: eth0, type: ethernet, mac-address: "52:54:00:00:00:01", mtu: 9000, ipv4: {enabled: true, dhcp: true}, ipv6: {enabled: true, address: [{ip: "fd00::5", prefix-length: 64}], dhcp: false, autoconf: false}}
- {name: eth1, type: ethernet, state: down}
dns-resolver: {config: {server: ["fd00::1"], search: [lab.example]}}
routes: {config: [{destination: "::/0", next-hop-address: "fd00::1", next-hop-interface: eth0, metric: 100}]}
`);
    expect(files.map((f) => f.name)).toEqual(['10-metalflow-0-eth0.network', '10-metalflow-1-eth1.network']);
    const [a, b] = files.map((f) => f.content);
    expect(a).toContain('MACAddress=52:54:00:00:00:01');
    expect(a).toContain('DHCP=ipv4');
    expect(a).toContain('Address=fd00::5/64');
    expect(a).toContain('Domains=lab.example');
    expect(a).toContain('MTUBytes=9000');
    expect(a).toContain('Metric=100');
    expect(b).toContain('Name=eth1');
    expect(b).toContain('ActivationPolicy=down');
  });

  it('rejects what it cannot express with the path and the reason', () => {
    expect(reason('interfaces: [{name: bond0, type: bond, link-aggregation: {mode: active-backup}}]')).toBe('preprovisioningNetworkData: interfaces[0].type: "bond" is not supported by the agent ramdisk network setup (ethernet only)');
    expect(reason('interfaces: [{name: v, type: vlan, vlan: {base-iface: eth0, id: 5}}]')).toMatch(/^preprovisioningNetworkData: interfaces\[0\]\.type: "vlan" is not supported/);
    expect(reason('interfaces: [{name: eth0, type: ethernet, ethtool: {}}]')).toMatch(/^preprovisioningNetworkData: interfaces\[0\]\.ethtool: unknown key/);
    expect(reason('interfaces: [{name: eth0, type: ethernet, ipv4: {enabled: true, address: [{ip: 10.0.0.300, prefix-length: 24}]}}]')).toMatch(/interfaces\[0\]\.ipv4\.address\[0\]\.ip: not an IPv4 address/);
    expect(reason('interfaces: [{name: eth0, type: ethernet, ipv4: {enabled: true, address: [{ip: 10.0.0.3, prefix-length: 33}]}}]')).toMatch(/prefix-length: not an integer from 0 to 32/);
    expect(reason('interfaces: [{name: "eth0\\nDNS=1.1.1.1", type: ethernet}]')).toMatch(/interfaces\[0\]\.name: not an interface name/);
    expect(reason('interfaces: [{name: eth0, type: ethernet, mac-address: "zz"}]')).toMatch(/mac-address: not a MAC address/);
    expect(reason('interfaces: [{name: eth0, type: ethernet}]\nroutes: {config: [{destination: 0.0.0.0/0, next-hop-address: 10.0.0.1, next-hop-interface: eth9}]}')).toMatch(/routes\.config\[0\]\.next-hop-interface: no interface "eth9"/);
    expect(reason('ovs-db: {}')).toMatch(/^preprovisioningNetworkData: ovs-db: unknown key/);
    expect(reason('- a')).toMatch(/^preprovisioningNetworkData: \(top\): not a mapping/);
    expect(reason('interfaces: [{name: eth0, type: ethernet}]\ninterfaces: []')).toMatch(/^preprovisioningNetworkData: \(yaml\):/);
    expect(reason('interfaces: []')).toMatch(/interfaces: no interface/);
  });

  it('refuses YAML alias bombs', () => {
    const bomb = `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c]\n`;
    expect(reason(bomb)).toMatch(/^preprovisioningNetworkData: \(yaml\):/);
  });

  it(`stops at ${MAX_NETWORK_DATA_BYTES} bytes, ${MAX_NMSTATE_INTERFACES} interfaces and ${MAX_NMSTATE_ROUTES} routes`, () => {
    expect(reason(`# ${'x'.repeat(MAX_NETWORK_DATA_BYTES)}\ninterfaces: []`)).toMatch(/more than \d+ bytes/);
    const ifaces = Array.from({ length: MAX_NMSTATE_INTERFACES + 1 }, (_, i) => `{name: e${i}, type: ethernet}`).join(',');
    expect(reason(`interfaces: [${ifaces}]`)).toMatch(/^preprovisioningNetworkData: interfaces: more than \d+ entries/);
    const routes = Array.from({ length: MAX_NMSTATE_ROUTES + 1 }, (_, i) => `{destination: 10.${i % 250}.0.0/16, next-hop-address: 10.0.0.1, next-hop-interface: e}`).join(',');
    expect(reason(`interfaces: [{name: e, type: ethernet}]\nroutes: {config: [${routes}]}`)).toMatch(/^preprovisioningNetworkData: routes\.config: more than \d+ entries/);
    const addrs = Array.from({ length: MAX_NMSTATE_ADDRESSES + 1 }, (_, i) => `{ip: 10.0.0.${i + 1}, prefix-length: 24}`).join(',');
    expect(reason(`interfaces: [{name: e, type: ethernet, ipv4: {enabled: true, address: [${addrs}]}}]`)).toMatch(/^preprovisioningNetworkData: interfaces\[0\]\.ipv4\.address: more than \d+ entries/);
    const servers = Array.from({ length: MAX_NMSTATE_DNS_ENTRIES + 1 }, (_, i) => `10.0.1.${i + 1}`).join(',');
    expect(reason(`interfaces: [{name: e, type: ethernet}]\ndns-resolver: {config: {server: [${servers}]}}`)).toMatch(/^preprovisioningNetworkData: dns-resolver\.config\.server: more than \d+ entries/);
  });

  it(`takes fewer than ${MAX_NMSTATE_YAML_ALIASES} YAML alias uses, not more`, () => {
    const routes = (n: number): string => `interfaces: [{name: e, type: ethernet}]\nroutes:\n  config:\n  - &r {destination: 10.0.0.0/8, next-hop-interface: e}\n${Array.from({ length: n }, () => '  - *r').join('\n')}\n`;
    expect(networkdFromNmstate(routes(MAX_NMSTATE_YAML_ALIASES - 1))[0]?.content).toContain('Destination=10.0.0.0/8');
    expect(reason(routes(MAX_NMSTATE_YAML_ALIASES))).toMatch(/^preprovisioningNetworkData: \(yaml\): /);
  });
});
