/**
 * The agent ISO boots the stock agent on a network without DHCP: a QEMU machine (TCG, OVMF, UEFI)
 * boots the ISO built by the boot worker's agent media path from its virtual CD, its NIC on a
 * private bridge where nothing answers DHCP. The host's nmstate network data gives it a static
 * address; the stock agent then asks the agent API (a tiny listener on the bridge) for its node:
 * the lookup must come from that static address and name the machine's MAC. The serial console is
 * kept in the test directory when the test fails.
 * Wall time here: about 2.5 minutes (ISO build ~1 s; UEFI boot to the first lookup 100–215 s under TCG
 * on a 2-core machine; the BIOS boot stops at the kernel command line, ~45 s).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLabImage } from '../../../lab/qemu-lab.js';
import { LabNetwork, type LanMember } from '../../../lab/lab-network.js';
import { startProcess, type LabProcess } from '../../../lab/processes.js';
import { AgentMedia } from '../../../src/boot/media/agent-media.js';
import { AgentIsoCache } from '../../../src/boot/media/iso-cache.js';
import { MediaPublications } from '../../../src/boot/media/media-publications.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-iso-qemu-'));
const MAC = '52:54:00:5e:00:01';
const API_PORT = 6385;
let lan: LabNetwork | undefined;
let api: LanMember;
let listener: LabProcess | undefined;
let qemu: LabProcess | undefined;
const listenerLog = join(dir, 'listener.log');
const qemuLog = join(dir, 'qemu.log');
/** What the listener logged: `<from> <method> <url>` per request. */
const requests = (): string[] => readFileSync(listenerLog, 'utf8').split('\n');
let failed = false;
const publications = new MediaPublications();
/** The ISO the first test builds (the second boots it too) and the agent API URL in it. */
let iso: string | undefined;
let apiUrl = '';

beforeAll(() => {
  lan = new LabNetwork();
  api = lan.member('api', { host: 1 });
  // The agent API stand-in: logs who asked what, answers 404 (the agent keeps looking up).
  const script = join(dir, 'listener.mjs');
  writeFileSync(script, `import { createServer } from 'node:http';
createServer((req, res) => {
  process.stdout.write(req.socket.remoteAddress + ' ' + req.method + ' ' + req.url + '\\n');
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error_message": "not found"}');
}).listen(${API_PORT}, '${api.ip ?? ''}', () => process.stdout.write('listening\\n'));
`);
  listener = startProcess(api.exec[0] ?? 'ip', [...api.exec.slice(1), process.execPath, script], listenerLog);
});

afterAll(async () => {
  await qemu?.stop();
  await listener?.stop();
  publications.close();
  lan?.remove();
  if (failed || process.env.KEEP_TEST_DIRS) process.stderr.write(`agent-iso-qemu: serial console kept in ${dir}\n`);
  else removeTempDir(dir);
});

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('agent ISO on a network without DHCP', () => {
  it('boots the stock agent with the static address from nmstate; its lookup reaches the API from that address', async () => {
    const started = Date.now();
    const prefix = lan?.prefix ?? '';
    const ramdisk = buildLabImage('build-ipa-ramdisk.sh');
    apiUrl = apiUrlOf(api);
    const cache = new AgentIsoCache(join(dir, 'media'));
    await cache.init();
    const media = new AgentMedia(
      { kernel: join(ramdisk, 'ironic-python-agent.kernel'), initramfs: join(ramdisk, 'ironic-python-agent.initramfs'), apiUrl, extraKernelParams: 'console=ttyS0,115200', baseUrl: 'http://boot.invalid' },
      cache,
      publications,
    );
    const nmstate = `interfaces:
- name: enp0s3
  type: ethernet
  state: up
  mac-address: "${MAC.toUpperCase()}"
  ipv4:
    address:
    - ip: ${prefix}.20
      prefix-length: 24
    enabled: true
    dhcp: false
routes:
  config:
  - destination: 0.0.0.0/0
    next-hop-address: ${prefix}.1
    next-hop-interface: enp0s3
`;
    const { url } = await media.prepare({ uuid: 'u1', session: 's1', bootMac: MAC, networkData: nmstate });
    iso = publications.resolve(new URL(url).pathname.split('/')[2] ?? '');
    expect(iso).toBeDefined();
    const built = Date.now();
    await until('the listener', () => requests().includes('listening'), 30_000);

    const { serial } = startVm('uefi', 'uefi', iso ?? '');
    const lookup = (): string | undefined => requests().find((l) => l.includes(' GET /v1/lookup?'));
    try {
      await until('the agent lookup', () => lookup() !== undefined || qemu?.proc.exitCode !== null, 540_000);
      expect(readFileSync(qemuLog, 'utf8')).toBe('');
      const line = lookup() ?? '';
      const [from = '', , target = ''] = line.split(' ');
      // From the static address (IPv4 on a dual-stack socket may show as ::ffff:a.b.c.d).
      expect(from.replace(/^::ffff:/, '')).toBe(`${prefix}.20`);
      const addresses = new URL(target, 'http://x').searchParams.get('addresses') ?? '';
      expect(addresses.split(',')).toContain(MAC);
      // The kernel got the host's parameters from GRUB.
      expect(readFileSync(serial, 'utf8')).toContain(`ipa-api-url=${apiUrl}`);
      process.stderr.write(`agent-iso-qemu: ISO built in ${built - started} ms, lookup after ${Date.now() - built} ms of boot\n`);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      await qemu?.stop();
    }
  }, 600_000);

  it('legacy BIOS (SeaBIOS) boots the same ISO into the agent kernel with the host parameters', async () => {
    expect(iso).toBeDefined();
    const { serial } = startVm('bios', 'bios', iso ?? '');
    const log = (): string => (existsSync(serial) ? readFileSync(serial, 'utf8') : '');
    try {
      // The kernel's own echo of its command line: GRUB (i386-pc) loaded it with the grub.cfg parameters.
      await until('the kernel command line', () => /Command line: .*ipa-api-url=/.test(log()) || qemu?.proc.exitCode !== null, 300_000);
      expect(log()).toMatch(new RegExp(`Command line: .*ipa-api-url=${apiUrl.replace(/\./g, '\\.')} BOOTIF=${MAC}`));
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      await qemu?.stop();
    }
  }, 400_000);
});

/** A QEMU machine (TCG) booting `iso` from its CD: UEFI (OVMF, q35) or legacy BIOS (SeaBIOS, pc), NIC on the bridge. */
function startVm(name: string, firmware: 'uefi' | 'bios', isoFile: string): { serial: string } {
  const serial = join(dir, `serial-${name}.log`);
  const vars = join(dir, `OVMF_VARS-${name}.fd`);
  if (firmware === 'uefi') writeFileSync(vars, readFileSync('/usr/share/OVMF/OVMF_VARS.fd'));
  const exec = lan?.lanExec ?? [];
  // prettier-ignore
  const args = [
    '-nodefaults', '-accel', 'tcg,thread=multi', '-machine', firmware === 'uefi' ? 'q35' : 'pc', '-cpu', 'max', '-smp', '2', '-m', '2048',
    '-display', 'none', '-vga', 'none', '-serial', `file:${serial}`, '-no-reboot',
    ...(firmware === 'uefi' ? ['-drive', 'if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd', '-drive', `if=pflash,format=raw,file=${vars}`] : []),
    '-drive', `if=none,id=cd,media=cdrom,readonly=on,format=raw,file=${isoFile}`, '-device', 'ide-cd,drive=cd,bus=ide.0,bootindex=0',
    '-netdev', `tap,id=n0,ifname=${lan?.tap() ?? ''},script=no,downscript=no`, '-device', `virtio-net-pci,netdev=n0,mac=${MAC},romfile=`,
  ];
  qemu = startProcess(exec[0] ?? 'ip', [...exec.slice(1), 'qemu-system-x86_64', ...args], qemuLog);
  return { serial };
}

const apiUrlOf = (m: LanMember): string => `http://${m.ip ?? ''}:${API_PORT}`;
