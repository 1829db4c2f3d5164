/**
 * The workflow code bundle, built once (scripts/setup.sh, which `npm start` and `npm test` run)
 * instead of by webpack at every worker start. The file's first line records a hash of every input
 * the bundle could contain (all of src/, the SDK's version, package-lock.json): a worker never runs a stale bundle —
 * it rebuilds it (and says why), or with `rebuild: false` refuses with StaleWorkflowBundleError.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundlerOptions } from './bundler.js';

const SRC_DIR = fileURLToPath(new URL('../', import.meta.url));
const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
const HEADER = '// metalflow workflow bundle, inputs ';

/** The bundle file is missing or was built from other sources than these. */
export class StaleWorkflowBundleError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`workflow bundle ${path} is ${reason}: run \`bash scripts/setup.sh\` (or \`node --import tsx src/worker/build-workflow-bundle.ts\`)`);
    this.name = 'StaleWorkflowBundleError';
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? sourceFiles(p) : [p];
    });
}

const LOCK_FILE = fileURLToPath(new URL('../../package-lock.json', import.meta.url));

/** Hash of everything the bundle may be built from: every file under src/, the SDK packages' versions and the lock file (other dependencies). */
export function workflowInputsHash(srcDir = SRC_DIR): string {
  const h = createHash('sha256');
  h.update(readFileSync(LOCK_FILE)).update('\0');
  const require = createRequire(import.meta.url);
  for (const pkg of ['@temporalio/workflow', '@temporalio/worker']) {
    const { version } = require(`${pkg}/package.json`) as { version: string };
    h.update(`${pkg}@${version}\0`);
  }
  for (const f of sourceFiles(srcDir)) h.update(`${relative(srcDir, f)}\0`).update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

/** The inputs hash recorded in a bundle file, or why there is none. */
function recordedHash(path: string): { hash?: string; reason?: string } {
  let head: string;
  try {
    head = readFileSync(path, 'utf8').slice(0, 200);
  } catch {
    return { reason: 'missing' };
  }
  const line = head.split('\n', 1)[0] ?? '';
  return line.startsWith(HEADER) ? { hash: line.slice(HEADER.length).trim() } : { reason: 'not a metalflow workflow bundle' };
}

/** Why the bundle at `path` must not be used (missing, stale), or undefined when it is current. */
export function staleReason(path: string, inputsHash = workflowInputsHash()): string | undefined {
  const { hash, reason } = recordedHash(path);
  if (reason) return reason;
  return hash === inputsHash ? undefined : 'stale (src/, package-lock.json or the Temporal SDK changed since it was built)';
}

/** Bundles the workflows and writes the file atomically (concurrent builders each rename a whole file). */
export async function buildWorkflowBundle(path: string): Promise<string> {
  const inputsHash = workflowInputsHash();
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ...workflowBundlerOptions(), logger: quietLogger });
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${HEADER}${inputsHash}\n${code}`);
  renameSync(tmp, path);
  return path;
}

export interface LoadedWorkflowBundle {
  codePath: string;
  /** Set when the bundle had to be (re)built here, and why. */
  rebuilt?: string;
}

/**
 * The bundle a worker runs: the current file at `path`; a missing or stale one is rebuilt
 * (`rebuild`, the default) or refused.
 */
export async function loadWorkflowBundle(path: string, opts: { rebuild?: boolean } = {}): Promise<LoadedWorkflowBundle> {
  const reason = staleReason(path);
  if (reason === undefined) return { codePath: path };
  if (opts.rebuild === false) throw new StaleWorkflowBundleError(path, reason);
  await buildWorkflowBundle(path);
  return { codePath: path, rebuilt: reason };
}

/** webpack's progress lines are noise in a worker log; warnings and errors still show. */
const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`workflow bundle: ${message}\n`),
  error: (message: string) => process.stderr.write(`workflow bundle: ${message}\n`),
};
