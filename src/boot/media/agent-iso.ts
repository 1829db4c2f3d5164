/**
 * The agent ISO: GRUB (grub-mkrescue: El Torito entries for legacy BIOS and UEFI) booting the agent
 * kernel with the stock initramfs and the per-host overlay as a second initrd, on the serial
 * console, with the host's kernel parameters. Kernel and initramfs are grafted from where they lie
 * (no copy of a 100+ MB ramdisk per host).
 */
import { mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clip } from '../../net/peer-request.js';
import { AgentMediaBuildError } from '../../errors.js';
import { runTool } from '../../tools/child-process.js';

/** One ISO build (grub-mkrescue + xorriso) at most this long. */
export const ISO_BUILD_TIMEOUT_MS = 120_000;
/** Characters of a tool's stderr kept in the error. */
export const MAX_TOOL_ERROR_CHARS = 500;

export interface AgentIsoInput {
  kernel: string;
  initramfs: string;
  /** The per-host cpio appended as a second initrd. */
  overlay: Buffer;
  grubCfg: string;
}

/** GRUB's script syntax would expand or split these: refused rather than quoted. */
const GRUB_UNSAFE = /[\s$;&|<>"'\\{}`#]/;

export function agentGrubCfg(params: readonly string[]): string {
  for (const p of params) {
    // extraKernelParams is one setting holding several words.
    for (const word of p.split(/ +/)) {
      if (word === '' || GRUB_UNSAFE.test(word)) throw new AgentMediaBuildError(`agent kernel parameter ${JSON.stringify(clip(word, 80))} has characters GRUB would interpret`);
    }
  }
  return `# metalflow: agent boot
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "metalflow agent" {
  linux /agent/vmlinuz ${params.join(' ')}
  initrd /agent/initramfs /agent/metalflow.cpio
}
`;
}

/** Builds the ISO at `out`, using `workDir` (created, then removed) for the GRUB tree. */
export async function buildAgentIso(input: AgentIsoInput, out: string, workDir: string): Promise<void> {
  await mkdir(join(workDir, 'tree/boot/grub'), { recursive: true, mode: 0o700 });
  try {
    await writeFile(join(workDir, 'tree/boot/grub/grub.cfg'), input.grubCfg, { mode: 0o600 });
    const overlay = join(workDir, 'metalflow.cpio');
    await writeFile(overlay, input.overlay, { mode: 0o600 });
    const kernel = await source(input.kernel, 'kernel');
    const initramfs = await source(input.initramfs, 'initramfs');
    const args = ['-o', out, '--fonts=', '--locales=', '--themes=', join(workDir, 'tree'), `/agent/vmlinuz=${kernel}`, `/agent/initramfs=${initramfs}`, `/agent/metalflow.cpio=${overlay}`];
    try {
      await runTool('grub-mkrescue', args, { timeoutMs: ISO_BUILD_TIMEOUT_MS });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new AgentMediaBuildError(`grub-mkrescue failed: ${clip(stderr.trim() || (err instanceof Error ? err.message : String(err)), MAX_TOOL_ERROR_CHARS)}`);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The real file (a symlink would be recorded as a link); `=` would split xorriso's graft point. */
async function source(path: string, what: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw new AgentMediaBuildError(`agent ${what} ${path} not found`);
  }
  if (/[=\\]/.test(real)) throw new AgentMediaBuildError(`agent ${what} path ${real} has "=" or "\\"`);
  return real;
}
