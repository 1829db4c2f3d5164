/**
 * What a network-booting client gets: the decision dnsmasq makes in Metal3 (ironic-image
 * dnsmasq.conf): iPXE (option 175, or user class `iPXE`) → the HTTP URL of its iPXE script;
 * otherwise PXE firmware by client architecture (option 93): x86-64 UEFI (7, 9) → snponly.efi,
 * arm64 UEFI (11) → snponly-arm64.efi, UEFI HTTP boot (16) → snponly.efi over HTTP, BIOS (0 or
 * none) → undionly.kpxe over TFTP.
 */
import type { DhcpPacket } from './packet.js';
import { Opt, readArch, readUserClasses } from './options.js';

export interface BootFiles {
  bios: string;
  efiX64: string;
  efiArm64: string;
}

export const DEFAULT_BOOT_FILES: BootFiles = { bios: 'undionly.kpxe', efiX64: 'snponly.efi', efiArm64: 'snponly-arm64.efi' };

export interface ClientKind {
  /** Vendor class starts with PXEClient (firmware PXE) or HTTPClient (UEFI HTTP boot). */
  pxe: boolean;
  httpBoot: boolean;
  ipxe: boolean;
  arch: number | undefined;
}

export function classify(p: DhcpPacket): ClientKind {
  const vendor = p.options.get(Opt.vendorClass)?.toString('latin1') ?? '';
  const ipxe = p.options.has(Opt.ipxe) || readUserClasses(p.options.get(Opt.userClass)).includes('iPXE');
  return { pxe: vendor.startsWith('PXEClient'), httpBoot: vendor.startsWith('HTTPClient'), ipxe, arch: readArch(p.options.get(Opt.clientArch)) };
}

export interface BootAnswer {
  /** BOOTP `file` and option 67: a TFTP path or an HTTP URL. */
  file: string;
  /** Whether the file is fetched by TFTP from siaddr (else it is a URL). */
  tftp: boolean;
}

/** The boot file for a client, or undefined when it is not network-booting. */
export function bootAnswer(kind: ClientKind, urls: { ipxeScript: string; httpBase: string }, files: BootFiles = DEFAULT_BOOT_FILES): BootAnswer | undefined {
  if (kind.ipxe) return { file: urls.ipxeScript, tftp: false };
  if (kind.httpBoot) return { file: `${urls.httpBase}/${kind.arch === 19 ? files.efiArm64 : files.efiX64}`, tftp: false };
  if (!kind.pxe) return undefined;
  switch (kind.arch) {
    case 7:
    case 9:
      return { file: files.efiX64, tftp: true };
    case 11:
      return { file: files.efiArm64, tftp: true };
    default:
      return { file: files.bios, tftp: true };
  }
}
