/**
 * The CLI's prebuilt bundle (bin/cli-bundle.js): used only while it is newer than every input, and
 * it runs as the source does (its package.json-relative path resolves from build/cli/bundle/).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_BUNDLE, ROOT, currentCliBundle } from '../../../bin/cli-bundle.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

let root: string | undefined;
afterEach(() => {
  if (root) removeTempDir(root);
  root = undefined;
});

const at = (path: string, seconds: number): void => utimesSync(path, seconds, seconds);

function tree(): string {
  const r = mkdtempSync(join(tmpdir(), 'metalflow-cli-bundle-'));
  mkdirSync(join(r, 'src/client/cli'), { recursive: true });
  writeFileSync(join(r, 'src/client/cli/main.ts'), '');
  writeFileSync(join(r, 'package.json'), '{}');
  writeFileSync(join(r, 'package-lock.json'), '{}');
  for (const p of ['src/client/cli/main.ts', 'src/client/cli', 'src/client', 'src', 'package.json', 'package-lock.json']) at(join(r, p), 1000);
  mkdirSync(join(r, CLI_BUNDLE, '..'), { recursive: true });
  writeFileSync(join(r, CLI_BUNDLE), '');
  at(join(r, CLI_BUNDLE), 2000);
  return r;
}

describe('the CLI bundle', () => {
  it('is used while newer than every input, and not once a source, a new file or the lock file is newer, or it is gone', () => {
    root = tree();
    expect(currentCliBundle(root)).toBe(join(root, CLI_BUNDLE));
    at(join(root, 'src/client/cli/main.ts'), 3000);
    expect(currentCliBundle(root)).toBeUndefined();
    at(join(root, 'src/client/cli/main.ts'), 1000);
    writeFileSync(join(root, 'src/client/new.ts'), ''); // a new file (and its folder) dated now
    expect(currentCliBundle(root)).toBeUndefined();
    rmSync(join(root, 'src/client/new.ts'));
    for (const p of ['src/client', 'src']) at(join(root, p), 1000);
    expect(currentCliBundle(root)).toBe(join(root, CLI_BUNDLE));
    at(join(root, 'package-lock.json'), 3000);
    expect(currentCliBundle(root)).toBeUndefined();
    at(join(root, 'package-lock.json'), 1000);
    rmSync(join(root, CLI_BUNDLE));
    expect(currentCliBundle(root)).toBeUndefined();
  });

  it('built by scripts/build-cli.sh, is current and answers `version` with the package version', () => {
    execFileSync('bash', ['scripts/build-cli.sh'], { cwd: ROOT });
    const bundle = currentCliBundle();
    expect(bundle).toBe(join(ROOT, CLI_BUNDLE));
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `(await import(${JSON.stringify(pathToFileURL(bundle ?? '').href)})).cliMain(['version'])`], { cwd: ROOT, encoding: 'utf8' });
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(out.split('\n')[0]).toBe(`metalflow ${version}`);
  });
});
