/**
 * Debian's openssl CLI, run as every external tool is (src/tools/child-process.ts: minimal
 * environment, bounded output and time). Arguments name files only: no key or secret is ever on
 * its command line.
 */
import { runTool } from '../tools/child-process.js';
import { TlsGenerationError } from './tls-errors.js';

export const OPENSSL = '/usr/bin/openssl';
/** An RSA key and a signature take well under a second; a stuck openssl must not hold the worker's start. */
export const OPENSSL_TIMEOUT_MS = 60_000;

/** `tool`: another binary and time limit (tests). */
export async function openssl(args: string[], what: string, tool: { binary?: string; timeoutMs?: number } = {}): Promise<void> {
  const binary = tool.binary ?? OPENSSL;
  try {
    await runTool(binary, args, { timeoutMs: tool.timeoutMs ?? OPENSSL_TIMEOUT_MS, env: { OPENSSL_CONF: '/dev/null' } });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    const detail = e.code === 'ENOENT' ? `${binary} not found (Debian package openssl)` : e.killed ? `no answer within ${tool.timeoutMs ?? OPENSSL_TIMEOUT_MS} ms` : (e.stderr || e.message).trim().split('\n').slice(-3).join('; ');
    throw new TlsGenerationError(`openssl could not ${what}: ${detail}`);
  }
}
