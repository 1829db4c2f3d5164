/** Removes a test's temporary directory; a straggling writer (an emulator exiting) must not fail the suite. */
import { rmSync } from 'node:fs';

export function removeTempDir(dir: string): void {
  if (process.env.KEEP_TEST_DIRS) return;
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  } catch (err) {
    process.stderr.write(`warning: could not remove ${dir}: ${(err as Error).message}\n`);
  }
}
