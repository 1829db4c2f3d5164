// The CLI's prebuilt bundle (scripts/build-cli.sh, run by scripts/setup.sh): Node loads one file
// instead of tsx compiling the CLI's TypeScript modules at every command. Used only while it is
// newer than every input it was built from; otherwise the CLI runs from source, as it always did.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Three folders below the root, as src/client/cli/ is: the bundled code's paths relative to
// import.meta.url (package.json for `metalflow version`) resolve as they do from source.
export const CLI_BUNDLE = 'build/cli/bundle/metalflow-cli.mjs';
// What the bundle is made of: the sources and the dependencies (a deleted or added file changes its folder's time).
export const CLI_BUNDLE_INPUTS = ['src', 'package.json', 'package-lock.json'];

function newestChange(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const f of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, f)));
  return newest;
}

/** The bundle's path when it is current for the sources under `root`, else undefined. */
export function currentCliBundle(root = ROOT) {
  try {
    const built = statSync(join(root, CLI_BUNDLE)).mtimeMs;
    return CLI_BUNDLE_INPUTS.every((input) => newestChange(join(root, input)) <= built) ? join(root, CLI_BUNDLE) : undefined;
  } catch {
    return undefined; // no bundle (or an input missing): run from source
  }
}
