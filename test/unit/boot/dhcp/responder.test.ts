import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LeaseStore } from '../../../../src/boot/dhcp/leases.js';
import { MessageType, Opt, readIp } from '../../../../src/boot/dhcp/options.js';
import { DhcpResponder, type DhcpConfig } from '../../../../src/boot/dhcp/responder.js';
import { removeTempDir } from '../../../helpers/temp-dir.js';
import { clientPacket } from '../../../helpers/dhcp-packets.js';

const HOST = '52:54:00:00:00:01';
const OTHER = '52:54:00:00:00:02';
const STRANGER = '52:54:00:99:99:99';
const SERVER = '10.10.0.1';

function setup(over: Partial<DhcpConfig> = {}, range: [string, string] = ['10.10.0.100', '10.10.0.102'], now = { t: 1_000_000 }) {
  const known = new Set([HOST, OTHER]);
  const leases = new LeaseStore({ range, now: () => now.t });
  const cfg: DhcpConfig = {
    mode: 'full',
    serverIp: SERVER,
    subnetMask: '255.255.255.0',
    router: '10.10.0.254',
    leaseSeconds: 3600,
    allowUnknown: false,
    ipxeScriptUrl: (mac) => `http://${SERVER}/ipxe/${mac}/boot.ipxe`,
    httpBase: `http://${SERVER}`,
    ...over,
  };
  return { r: new DhcpResponder(cfg, { has: (m) => known.has(m) }, over.mode === 'proxy' ? undefined : leases), leases, known, now };
}

const msgType = (o: ReturnType<DhcpResponder['handle']>): number | undefined => o.reply?.packet.options.get(Opt.messageType)?.[0];

describe('DHCP responder (full mode)', () => {
  it('DORA: offers a range address to a registered host and ACKs its request, broadcast to :68', () => {
    const { r } = setup();
    const offer = r.handle(clientPacket('discover', { mac: HOST }));
    expect(msgType(offer)).toBe(MessageType.offer);
    expect(offer.reply).toMatchObject({ address: '255.255.255.255', port: 68, packet: { yiaddr: '10.10.0.100', siaddr: SERVER } });
    const o = offer.reply?.packet.options;
    expect(readIp(o?.get(Opt.serverId))).toBe(SERVER);
    expect(o?.get(Opt.leaseTime)?.readUInt32BE(0)).toBe(3600);
    expect(readIp(o?.get(Opt.subnetMask))).toBe('255.255.255.0');
    expect(readIp(o?.get(Opt.router))).toBe('10.10.0.254');
    const ack = r.handle(clientPacket('request', { mac: HOST, requested: '10.10.0.100', serverId: SERVER }));
    expect(msgType(ack)).toBe(MessageType.ack);
    expect(ack.reply?.packet.yiaddr).toBe('10.10.0.100');
  });

  it('ignores unknown MACs unless configured to answer them', () => {
    expect(setup().r.handle(clientPacket('discover', { mac: STRANGER })).reply).toBeUndefined();
    expect(msgType(setup({ allowUnknown: true }).r.handle(clientPacket('discover', { mac: STRANGER })))).toBe(MessageType.offer);
  });

  it('leaves a REQUEST for another server alone and withdraws its own offer', () => {
    const { r, leases } = setup();
    r.handle(clientPacket('discover', { mac: HOST }));
    const out = r.handle(clientPacket('request', { mac: HOST, requested: '10.10.0.100', serverId: '10.10.0.77' }));
    expect(out.reply).toBeUndefined();
    expect(leases.get(HOST)).toBeUndefined();
  });

  it('NAKs an address it cannot give (INIT-REBOOT elsewhere, or out of range)', () => {
    const { r } = setup();
    const nak = r.handle(clientPacket('request', { mac: HOST, requested: '192.168.1.50' }));
    expect(msgType(nak)).toBe(MessageType.nak);
    expect(nak.reply?.address).toBe('255.255.255.255');
    r.handle(clientPacket('discover', { mac: OTHER }));
    r.handle(clientPacket('request', { mac: OTHER, requested: '10.10.0.100', serverId: SERVER }));
    expect(msgType(r.handle(clientPacket('request', { mac: HOST, requested: '10.10.0.100' })))).toBe(MessageType.nak);
  });

  it('renews a bound lease unicast to ciaddr', () => {
    const { r } = setup();
    r.handle(clientPacket('discover', { mac: HOST }));
    r.handle(clientPacket('request', { mac: HOST, requested: '10.10.0.100', serverId: SERVER }));
    const renew = r.handle(clientPacket('request', { mac: HOST, ciaddr: '10.10.0.100' }));
    expect(msgType(renew)).toBe(MessageType.ack);
    expect(renew.reply).toMatchObject({ address: '10.10.0.100', port: 68 });
  });

  it('keeps a host its address (sticky) and frees it on RELEASE for others only when unreserved', () => {
    const { r, known } = setup({ allowUnknown: true });
    r.handle(clientPacket('discover', { mac: HOST }));
    r.handle(clientPacket('request', { mac: HOST, requested: '10.10.0.100', serverId: SERVER }));
    r.handle(clientPacket('release', { mac: HOST, ciaddr: '10.10.0.100', serverId: SERVER }));
    // A registered host's address stays reserved for it…
    expect(r.handle(clientPacket('discover', { mac: STRANGER })).reply?.packet.yiaddr).toBe('10.10.0.101');
    expect(r.handle(clientPacket('discover', { mac: HOST })).reply?.packet.yiaddr).toBe('10.10.0.100');
    // …until the host is gone.
    known.delete(HOST);
    r.handle(clientPacket('release', { mac: HOST, ciaddr: '10.10.0.100', serverId: SERVER }));
    expect(r.handle(clientPacket('discover', { mac: '52:54:00:77:77:77' })).reply?.packet.yiaddr).toBe('10.10.0.100');
  });

  it('sets a DECLINEd address aside', () => {
    const { r } = setup();
    r.handle(clientPacket('discover', { mac: HOST }));
    r.handle(clientPacket('request', { mac: HOST, requested: '10.10.0.100', serverId: SERVER }));
    expect(r.handle(clientPacket('decline', { mac: HOST, requested: '10.10.0.100', serverId: SERVER })).reply).toBeUndefined();
    expect(r.handle(clientPacket('discover', { mac: HOST })).reply?.packet.yiaddr).toBe('10.10.0.101');
  });

  it('answers INFORM with options but no address or lease', () => {
    const { r } = setup();
    const ack = r.handle(clientPacket('inform', { mac: HOST, ciaddr: '10.10.0.50' }));
    expect(msgType(ack)).toBe(MessageType.ack);
    expect(ack.reply?.packet.yiaddr).toBe('0.0.0.0');
    expect(ack.reply?.packet.options.has(Opt.leaseTime)).toBe(false);
    expect(ack.reply?.address).toBe('10.10.0.50');
  });

  it('answers relayed requests to the relay (giaddr:67), and ignores relays outside its subnet', () => {
    const { r } = setup();
    expect(r.handle(clientPacket('discover', { mac: HOST, giaddr: '10.10.0.2' })).reply).toMatchObject({ address: '10.10.0.2', port: 67, packet: { giaddr: '10.10.0.2' } });
    expect(r.handle(clientPacket('discover', { mac: HOST, giaddr: '172.16.0.1' })).reply).toBeUndefined();
  });

  it('says "no free address" when the pool is full instead of hanging', () => {
    const { r, known } = setup({}, ['10.10.0.100', '10.10.0.100']);
    r.handle(clientPacket('discover', { mac: HOST }));
    r.handle(clientPacket('request', { mac: HOST, requested: '10.10.0.100', serverId: SERVER }));
    const out = r.handle(clientPacket('discover', { mac: OTHER }));
    expect(out.reply).toBeUndefined();
    expect(out.note).toContain('no free address');
    expect(known.size).toBe(2);
  });

  it('lets an unanswered offer expire', () => {
    const now = { t: 1_000_000 };
    const { r } = setup({ allowUnknown: true }, ['10.10.0.100', '10.10.0.100'], now);
    r.handle(clientPacket('discover', { mac: STRANGER }));
    expect(r.handle(clientPacket('discover', { mac: '52:54:00:55:55:55' })).reply).toBeUndefined();
    now.t += 61_000;
    expect(r.handle(clientPacket('discover', { mac: '52:54:00:55:55:55' })).reply?.packet.yiaddr).toBe('10.10.0.100');
  });

  it('keeps leases across restarts (file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leases-'));
    try {
      const file = join(dir, 'leases.json');
      const a = new LeaseStore({ range: ['10.10.0.100', '10.10.0.110'], file });
      a.bind(HOST, '10.10.0.105', 3_600_000);
      const b = new LeaseStore({ range: ['10.10.0.100', '10.10.0.110'], file });
      expect(b.get(HOST)).toMatchObject({ ip: '10.10.0.105', bound: true });
    } finally {
      removeTempDir(dir);
    }
  });
});

describe('PXE and iPXE boot information', () => {
  const file = (o: ReturnType<DhcpResponder['handle']>) => ({ file: o.reply?.packet.file, opt67: o.reply?.packet.options.get(Opt.bootFile)?.toString(), opt66: o.reply?.packet.options.get(Opt.tftpServer)?.toString(), vendor: o.reply?.packet.options.get(Opt.vendorClass)?.toString() });

  it.each([
    ['BIOS PXE (arch 0)', { pxeArch: 0 }, 'undionly.kpxe', SERVER, 'PXEClient'],
    ['x86-64 UEFI PXE (arch 7)', { pxeArch: 7 }, 'snponly.efi', SERVER, 'PXEClient'],
    ['x86-64 UEFI PXE (arch 9)', { pxeArch: 9 }, 'snponly.efi', SERVER, 'PXEClient'],
    ['arm64 UEFI PXE (arch 11)', { pxeArch: 11 }, 'snponly-arm64.efi', SERVER, 'PXEClient'],
    ['iPXE (user class + 175)', { ipxe: true, pxeArch: 7 }, `http://${SERVER}/ipxe/${HOST}/boot.ipxe`, undefined, 'PXEClient'],
    ['UEFI HTTP boot (arch 16)', { httpBoot: true }, `http://${SERVER}/snponly.efi`, undefined, 'HTTPClient'],
  ])('%s → %s', (_, o, expected, tftp, vendor) => {
    const out = setup().r.handle(clientPacket('discover', { mac: HOST, ...o }));
    expect(file(out)).toEqual({ file: expected, opt67: expected, opt66: tftp, vendor });
  });

  it('gives a plain DHCP client (an OS) no boot file', () => {
    expect(file(setup().r.handle(clientPacket('discover', { mac: HOST })))).toEqual({ file: '', opt67: undefined, opt66: undefined, vendor: undefined });
  });
});

describe('proxyDHCP mode', () => {
  it('answers only network-boot clients, with boot information and no address', () => {
    const { r } = setup({ mode: 'proxy' });
    expect(r.handle(clientPacket('discover', { mac: HOST })).reply).toBeUndefined();
    const offer = r.handle(clientPacket('discover', { mac: HOST, pxeArch: 7 }));
    expect(offer.reply?.packet).toMatchObject({ yiaddr: '0.0.0.0', file: 'snponly.efi' });
    expect(offer.reply?.packet.options.has(Opt.leaseTime)).toBe(false);
    expect(offer.reply?.packet.options.has(Opt.subnetMask)).toBe(false);
    // REQUESTs on 67 belong to the network's DHCP server; on 4011 they are ours.
    expect(r.handle(clientPacket('request', { mac: HOST, pxeArch: 7, requested: '10.10.0.60' })).reply).toBeUndefined();
    const ack = r.handle(clientPacket('request', { mac: HOST, pxeArch: 7, ciaddr: '10.10.0.60' }), 4011);
    expect(ack.reply).toMatchObject({ address: '10.10.0.60', port: 68, packet: { file: 'snponly.efi' } });
  });
});
