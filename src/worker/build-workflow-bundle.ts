/**
 * Builds the workflow bundle the workers run (scripts/setup.sh runs this): only when it is missing
 * or its inputs changed. `--force` rebuilds anyway.
 */
import { workflowBundlePathFromEnv } from '../config/worker-settings.js';
import { buildWorkflowBundle, staleReason } from './workflow-bundle.js';

const path = workflowBundlePathFromEnv();
const reason = process.argv.includes('--force') ? 'forced' : staleReason(path);
if (reason === undefined) {
  process.stderr.write(`==> workflow bundle: ${path} is current\n`);
} else {
  const started = Date.now();
  await buildWorkflowBundle(path);
  process.stderr.write(`==> workflow bundle: built ${path} (${reason}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
