/**
 * Runs external tools (ipmitool) with a minimal environment: the standard PATH,
 * LANG/LC_ALL=C (their messages are parsed) and what the caller adds. Never the worker's own
 * environment, which holds Temporal credentials and whatever else its operator put there.
 */
import { execFile, type ExecFileException } from 'node:child_process';

/** Debian's default PATH: the tools are distribution packages; the worker's PATH is not passed on. */
export const TOOL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Output a tool may produce before it is stopped (ours print a few lines). */
export const MAX_TOOL_OUTPUT_BYTES = 1024 * 1024;

export interface ToolOptions {
  /** Variables the tool needs (e.g. IPMI_PASSWORD for `ipmitool -E`). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function toolEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: TOOL_PATH, LANG: 'C', LC_ALL: 'C', ...extra };
}

export function execTool(binary: string, args: string[], opts: ToolOptions, callback: (err: ExecFileException | null, stdout: string, stderr: string) => void): void {
  execFile(binary, args, { env: toolEnv(opts.env), ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}), maxBuffer: MAX_TOOL_OUTPUT_BYTES, encoding: 'utf8' }, callback);
}

/** Runs a tool to completion; resolves its stdout, rejects with its error (stderr attached). */
export function runTool(binary: string, args: string[], opts: ToolOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execTool(binary, args, opts, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve(stdout);
    });
  });
}
