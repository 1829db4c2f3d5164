import { execFileSync } from 'node:child_process';

let cached: string | undefined;

/** A self-signed CA certificate (openssl), made once per test file. */
export function testCaPem(): string {
  cached ??= execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=metalflow test CA', '-days', '1'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  return cached;
}
