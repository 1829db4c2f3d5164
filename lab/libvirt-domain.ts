/**
 * libvirt domain XML for a lab server (TCG, as metal3-dev-env's VMs without KVM): `uefi` and
 * `uefi-secureboot` are q35 with SMM and Debian's secure-boot-capable OVMF (the loader sushy-tools'
 * boot loader map names, so a BootSourceOverrideMode or SecureBoot change keeps it), `legacy` is
 * i440fx with SeaBIOS. Raw virtio disks with distinct serials, a virtio NIC with the given MAC on
 * the lab bridge, and a serial console appended to one file across boots. No CD-ROM: sushy-tools'
 * InsertMedia adds one (SATA on q35, IDE on i440fx) and EjectMedia removes it.
 */

export type LabFirmware = 'uefi' | 'uefi-secureboot' | 'legacy';

/** Debian's OVMF build that enforces secure boot when its variables hold keys (needs SMM). */
export const OVMF_SECBOOT_CODE = '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd';
/**
 * SeaBIOS as an explicit ROM for Legacy: sushy-tools writes `<loader type='rom'/>` without a path
 * when its map has none, which libvirt 9 refuses ("no loader path specified").
 */
export const SEABIOS_ROM = '/usr/share/seabios/bios-256k.bin';
/** Variables without enrolled keys: secure boot off (setup mode), unsigned images boot. */
export const OVMF_VARS_NO_KEYS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface DomainSpec {
  name: string;
  uuid: string;
  firmware: LabFirmware;
  mac: string;
  bridge: string;
  disks: Array<{ file: string; serial: string }>;
  serialLog: string;
  memoryMiB: number;
  cpus: number;
  /** The NVRAM template a secure-boot machine starts with (sushy-tools' SECURE_BOOT_ENABLED_NVRAM). */
  secureBootVars: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');

export function domainXml(spec: DomainSpec): string {
  const uefi = spec.firmware !== 'legacy';
  const secure = spec.firmware === 'uefi-secureboot';
  const os = uefi
    ? [
        `<type arch='x86_64' machine='q35'>hvm</type>`,
        `<loader readonly='yes' secure='${secure ? 'yes' : 'no'}' type='pflash'>${OVMF_SECBOOT_CODE}</loader>`,
        // The NVRAM file name ends as sushy-tools expects (.secboot.fd / .nosecboot.fd) so it regenerates it on a change.
        `<nvram template='${esc(secure ? spec.secureBootVars : OVMF_VARS_NO_KEYS)}'>/var/lib/libvirt/qemu/nvram/${esc(spec.name)}${secure ? '.secboot.fd' : '.nosecboot.fd'}</nvram>`,
      ]
    : [`<type arch='x86_64' machine='pc'>hvm</type>`];
  const disks = spec.disks.map(
    (d, i) => `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${esc(d.file)}'/><target dev='vd${String.fromCharCode(97 + i)}' bus='virtio'/><serial>${esc(d.serial)}</serial></disk>`,
  );
  return `<domain type='qemu'>
  <name>${esc(spec.name)}</name>
  <uuid>${spec.uuid}</uuid>
  <memory unit='MiB'>${spec.memoryMiB}</memory>
  <vcpu>${spec.cpus}</vcpu>
  <os>
    ${os.join('\n    ')}
  </os>
  <features><acpi/><apic/>${uefi ? "<smm state='on'/>" : ''}</features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    ${disks.join('\n    ')}
    <interface type='bridge'><source bridge='${esc(spec.bridge)}'/><mac address='${spec.mac}'/><model type='virtio'/></interface>
    <serial type='file'><source path='${esc(spec.serialLog)}' append='on'/><target port='0'/></serial>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

/** What a domain's (inactive) XML says the BMC set: boot device order, firmware, secure boot, inserted CD. */
export interface DomainBootState {
  /** Devices with a per-device boot order, first first: 'cdrom' | 'disk' | 'network'. */
  bootOrder: string[];
  /** 'pflash' (UEFI) or 'rom' / none (legacy BIOS). */
  loaderType: string | undefined;
  loader: string | undefined;
  secure: boolean;
  nvramTemplate: string | undefined;
  /** Source file of each CD-ROM drive. */
  cdroms: string[];
}

/** Reads DomainBootState from libvirt's XML (regexes: it is libvirt's own, regular output). */
export function domainBootState(xml: string): DomainBootState {
  const ordered: Array<[number, string]> = [];
  const cdroms: string[] = [];
  for (const m of xml.matchAll(/<(disk|interface)\b([^>]*)>([\s\S]*?)<\/\1>/g)) {
    const [, tag, attrs = '', body = ''] = m;
    const kind = tag === 'interface' ? 'network' : (/device='([^']+)'/.exec(attrs)?.[1] ?? 'disk');
    const order = /<boot order='(\d+)'/.exec(body)?.[1];
    if (order) ordered.push([Number(order), kind]);
    if (kind === 'cdrom') cdroms.push(/<source file='([^']+)'/.exec(body)?.[1] ?? '');
  }
  const loader = /<loader([^>]*)>([^<]*)<\/loader>|<loader([^>]*)\/>/.exec(xml);
  const loaderAttrs = loader?.[1] ?? loader?.[3] ?? '';
  return {
    bootOrder: ordered.sort((a, b) => a[0] - b[0]).map(([, k]) => k),
    loaderType: /type='([^']+)'/.exec(loaderAttrs)?.[1],
    loader: loader?.[2] || undefined,
    secure: /secure='yes'/.test(loaderAttrs),
    nvramTemplate: /<nvram[^>]*template='([^']+)'/.exec(xml)?.[1],
    cdroms,
  };
}
