/**
 * Virtual media the metal3-dev-env way: libvirt + QEMU (TCG) domains with OVMF or SeaBIOS behind
 * sushy-tools' libvirt driver (lab/vmedia-lab.ts), on a bridge with NO DHCP server, and a boot
 * worker serving that network over TLS only (agent API on 6385, ISOs and images on 8083).
 *  - A `redfish-virtualmedia://` UEFISecureBoot host: registering → inspecting (the stock agent
 *    from its per-host ISO, static address from the nmstate Secret; inventory with both disks and
 *    the MAC) → available → provisioning (cleaning, write_image over HTTPS, config drive) → the
 *    deployed OS boots under the secure-boot firmware and prints the userData hostname →
 *    deprovision → available. The BMC saw InsertMedia/EjectMedia, Cd overrides, never Pxe, secure
 *    boot off for agent boots and on before the deployed OS; no DHCP packet was answered.
 *  - A legacy `live-iso` host: the given ISO is inserted and booted (SeaBIOS, Legacy override),
 *    no agent, and the host stays provisioned.
 * Serial consoles, the emulator and worker logs are kept (path printed) when a test fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMarkerIso } from '../../../lab/marker-iso.js';
import { publishLabImage, startVmediaLab, TEST_IMAGE, type VmediaLab } from '../../../lab/vmedia-lab.js';
import { useTestStack } from '../../helpers/stack.js';
import { stepper } from '../../helpers/e2e-step.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

const NS = 'e2e-vmedia';
const NETWORK = `vm-${Math.random().toString(36).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'metalflow-vmedia-e2e-'));
const stack = useTestStack({
  METALFLOW_POWER_STATE_TIMEOUT: '120s',
  METALFLOW_BACKOFF_UNIT: '10s',
  METALFLOW_AGENT_CALLBACK_TIMEOUT: '15m',
});
let vl: VmediaLab | undefined;
let failed = false;
const started = Date.now();
const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
const note = (s: string): void => void process.stderr.write(`vmedia e2e [${elapsed()}]: ${s.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '')}\n`);
const NFT_TABLE = 'mfdhcp';

beforeAll(async () => {
  vl = await startVmediaLab({
    dir,
    keepDir: true, // removed below unless a test failed
    machines: [
      { name: 'secure', firmware: 'uefi-secureboot', mac: '52:54:00:5e:c0:01', memoryMiB: 2048 },
      { name: 'live', firmware: 'legacy', mac: '52:54:00:5e:c0:02', memoryMiB: 512 },
    ],
    featureSets: ['full'], // sushy-tools' vmedia feature set has no SecureBoot resource
    workerEnv: stack.env(),
    network: NETWORK,
    bootEnv: { METALFLOW_AGENT_POLL: '2s' },
  });
  // Count DHCP on the bridge: any answer (from port 67) would mean a DHCP server served this network.
  const nft = `table bridge ${NFT_TABLE} {\n  chain counts {\n    type filter hook forward priority 0;\n    udp dport 67 counter\n    udp sport 67 counter\n  }\n}\n`;
  execFileSync('ip', ['netns', 'exec', vl.lab.network.lanNs, 'nft', '-f', '-'], { input: nft });
}, 30 * 60_000);

afterAll(async () => {
  if (failed || process.env.KEEP_TEST_DIRS) {
    for (const m of vl?.lab.machines ?? []) {
      const tail = vl?.lab.serial(m.name).split('\n').slice(-60).join('\n');
      process.stderr.write(`\n--- ${m.name} serial console (last 60 lines) ---\n${tail}\n`);
    }
  }
  await vl?.stop();
  if (failed || process.env.KEEP_TEST_DIRS) process.stderr.write(`vmedia e2e: serial consoles, BMC and worker logs kept in ${dir} and ${stack.dataDir}\n`);
  else removeTempDir(dir);
}, 180_000);

const step = stepper(note, () => {
  failed = true;
});

/** Packets the bridge's DHCP counters saw: [to a server (dport 67), from a server (sport 67)]. */
function dhcpPackets(): [number, number] {
  const out = execFileSync('ip', ['netns', 'exec', vl?.lab.network.lanNs ?? '', 'nft', 'list', 'table', 'bridge', NFT_TABLE], { encoding: 'utf8' });
  const counts = [...out.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
  return [counts[0] ?? -1, counts[1] ?? -1];
}

/** GET through the lab's TLS server without trusting it (we only want the status). */
async function statusOf(url: string): Promise<number> {
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  try {
    const res = await request(url, { method: 'HEAD', dispatcher });
    await res.body.dump();
    return res.statusCode;
  } finally {
    await dispatcher.close();
  }
}

describe('virtual media on libvirt behind sushy-tools, no DHCP, TLS only', () => {
  it('UEFISecureBoot: inspect → available → provision (HTTPS image, config drive) → deployed OS boots → deprovision → available', async () => {
    const l = vl as VmediaLab;
    const name = 'secure';
    const vm = l.lab.machine(name);
    const bmc = l.lab.bmc('full');
    const userData = '#cloud-config\nhostname: e2e-vmedia-node\n';
    const t0 = Date.now();
    await stack.client.apply([{ name: 'secure.yaml', text: l.manifest(name, { namespace: NS, featureSet: 'full' }) }]);
    const available = await step('secure: available (inspected)', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available', 25 * 60_000, 2000));
    const tInspected = Date.now();
    expect(available.status.errorType).toBe('');
    expect(available.status.hardware?.nics?.map((n) => n.mac)).toContain(vm.mac);
    expect(available.status.hardware?.storage?.map((d) => d.serialNumber).sort()).toEqual(vm.disks.map((d) => d.serial).sort());
    // The agent came from the ISO (GRUB's command line on the console) with an https API URL.
    expect(l.lab.serial(name)).toContain(`ipa-api-url=${l.apiUrl}`);
    expect(l.lab.serial(name)).toContain('ipa-inspection-callback-url=');

    await stack.client.apply([{ name: 'secure.yaml', text: l.manifest(name, { namespace: NS, featureSet: 'full', image: { file: `${TEST_IMAGE}.qcow2`, format: 'qcow2' }, userData, spec: { rootDeviceHints: { serialNumber: vm.disks[1]?.serial } } }) }]);
    const provisioned = await step('secure: provisioned', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'provisioned', 30 * 60_000, 2000));
    const tProvisioned = Date.now();
    expect(provisioned.status.errorType).toBe('');
    const consoleBefore = l.lab.serial(name).length;
    const booted = await step('secure: deployed OS booted', () => l.lab.waitForSerial(name, 'metalflow-test-os: booted as', 10 * 60_000, 0));
    const tBooted = Date.now();
    expect(booted).toContain('metalflow-test-os: booted as e2e-vmedia-node');
    expect(consoleBefore).toBeGreaterThan(0);
    // Secure boot on for the deployed OS (the emulator's record and the domain's firmware).
    expect(l.lab.bootState(name)).toMatchObject({ secure: true, loaderType: 'pflash' });
    const described = await stack.metalflow(['describe', '-n', NS, name]);
    expect(described.code).toBe(0);
    writeFileSync(join(stack.dataDir, 'describe-vmedia.txt'), described.stdout);
    note(`metalflow describe:\n${described.stdout}`);
    const lines = l.lab.serial(name).split('\n');
    note(`serial console of the DHCP-less host (agent network and the deployed OS):\n${lines.filter((s) => /Command line|Lookup succeeded|Attempting to download|metalflow-test-os:|secureboot/i.test(s)).map((s) => s.slice(0, 240)).slice(-20).join('\n')}`);

    const dep = await stack.metalflow(['deprovision', '-n', NS, name]);
    expect(dep.code).toBe(0);
    const back = await step('secure: deprovisioned → available', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'available', 30 * 60_000, 2000));
    const tAvailable = Date.now();
    expect(back.status.errorType).toBe('');

    // What the BMC was asked, in order.
    const seen = bmc.requests().filter((r) => r.system === vm.uuid || r.system === vm.domain);
    note(`BMC record: ${seen.map((r) => { const { system: _system, ...rest } = r; return JSON.stringify(rest); }).join(', ')}`);
    const inserts = seen.filter((r) => r.kind === 'insert');
    expect(inserts.length).toBeGreaterThanOrEqual(3); // inspection, provisioning, deprovisioning (cleaning)
    for (const r of inserts) expect(r.kind === 'insert' && r.image.startsWith(`${l.mediaBaseUrl}/media/`)).toBe(true);
    expect(seen.filter((r) => r.kind === 'eject').length).toBeGreaterThanOrEqual(3);
    const devices = seen.flatMap((r) => (r.kind === 'boot-device' ? [r.device] : []));
    expect(devices).toContain('Cd');
    expect(devices).toContain('Hdd');
    expect(devices).not.toContain('Pxe');
    // Secure boot: off before each agent boot (Cd), on before each disk boot (Hdd), set before the power on that follows.
    const powerOnAfter = (i: number): number => seen.findIndex((r, j) => j > i && r.kind === 'power' && r.reset === 'On');
    const secureAfter = (i: number): { i: number; enabled: boolean } | undefined => {
      const j = seen.findIndex((r, k) => k > i && r.kind === 'secure-boot');
      const r = seen[j];
      return r?.kind === 'secure-boot' ? { i: j, enabled: r.enabled } : undefined;
    };
    seen.forEach((r, i) => {
      if (r.kind !== 'boot-device' || (r.device !== 'Cd' && r.device !== 'Hdd')) return;
      const s = secureAfter(i);
      expect(s?.enabled, `secure boot after the ${r.device} override at #${i}`).toBe(r.device === 'Hdd');
      const on = powerOnAfter(i);
      if (on >= 0) expect(s?.i ?? Infinity).toBeLessThan(on);
    });
    // A finished session's ISO is gone (per-boot URLs expire with their session).
    const lastIso = inserts.at(-1);
    expect(await statusOf(lastIso?.kind === 'insert' ? lastIso.image : '')).toBe(404);
    // No DHCP server answered on this network (nothing on it runs one).
    const [, answers] = dhcpPackets();
    expect(answers).toBe(0);
    note(`secure wall times: inspect ${Math.round((tInspected - t0) / 1000)}s, provision ${Math.round((tProvisioned - tInspected) / 1000)}s, first boot of the deployed OS ${Math.round((tBooted - tProvisioned) / 1000)}s, deprovision ${Math.round((tAvailable - tBooted) / 1000)}s, total ${Math.round((tAvailable - t0) / 1000)}s; DHCP packets to/from a server: ${dhcpPackets().join('/')}`);
  }, 90 * 60_000);

  it('legacy live-iso: the given ISO is booted by virtual media (SeaBIOS, Legacy override), no agent, and the host stays provisioned', async () => {
    const l = vl as VmediaLab;
    const name = 'live';
    const vm = l.lab.machine(name);
    const bmc = l.lab.bmc('full');
    const iso = buildMarkerIso({ dir: join(dir, 'live-iso'), marker: 'metalflow-live-iso-booted', root: process.cwd() });
    publishLabImage(l.imagesDir, iso, 'live.iso');
    const t0 = Date.now();
    // No inspection (its agent would need more than this machine's 512 MiB): straight to the live ISO.
    const manifest = l.manifest(name, { namespace: NS, featureSet: 'full', annotations: { 'inspect.metal3.io': 'disabled' }, image: { file: 'live.iso', format: 'live-iso', checksum: false } });
    await stack.client.apply([{ name: 'live.yaml', text: manifest }]);
    await step('live: provisioned', () => stack.client.waitFor(NS, name, (h) => h.status.provisioning.state === 'provisioned', 20 * 60_000, 2000));
    const out = await step('live: the ISO booted', () => l.lab.waitForSerial(name, 'metalflow-live-iso-booted', 10 * 60_000, 0));
    expect(out).toContain('metalflow-live-iso-booted firmware=bios');
    const seen = bmc.requests().filter((r) => r.system === vm.uuid || r.system === vm.domain);
    expect(seen.some((r) => r.kind === 'insert' && r.image === `${l.mediaBaseUrl}/images/live.iso`)).toBe(true);
    expect(seen.some((r) => r.kind === 'boot-mode' && r.mode === 'Legacy')).toBe(true);
    expect(l.lab.bootState(name)).toMatchObject({ loaderType: 'rom' });
    // No agent ever: the boot worker served no agent ISO for this host.
    expect(seen.filter((r) => r.kind === 'insert').every((r) => r.kind === 'insert' && !r.image.includes('/media/'))).toBe(true);
    await new Promise((r) => setTimeout(r, 5000));
    const still = await stack.client.waitFor(NS, name, () => true, 10_000);
    expect(still.status.provisioning.state).toBe('provisioned');
    expect(still.status.errorType).toBe('');
    note(`live wall time: provisioned and booted ${Math.round((Date.now() - t0) / 1000)}s after apply`);
  }, 40 * 60_000);
});
