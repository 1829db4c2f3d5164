import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StaleWorkflowBundleError, buildWorkflowBundle, loadWorkflowBundle, staleReason, workflowInputsHash } from '../../../src/worker/workflow-bundle.js';
import { tmpdir } from 'node:os';
import { removeTempDir } from '../../helpers/temp-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'metalflow-bundle-'));
afterAll(() => removeTempDir(dir));

describe('workflow bundle built once', () => {
  it('is current right after it is built, and loads without rebuilding', async () => {
    const path = join(dir, 'b', 'workflow-bundle.js');
    await buildWorkflowBundle(path);
    expect(readFileSync(path, 'utf8')).toContain('__TEMPORAL__');
    expect(staleReason(path)).toBeUndefined();
    expect(await loadWorkflowBundle(path, { rebuild: false })).toEqual({ codePath: path });
  }, 60_000);

  it('refuses a missing, foreign or stale bundle when told not to rebuild, saying what to run', async () => {
    const missing = join(dir, 'none.js');
    expect(staleReason(missing)).toBe('missing');
    await expect(loadWorkflowBundle(missing, { rebuild: false })).rejects.toThrow(StaleWorkflowBundleError);
    await expect(loadWorkflowBundle(missing, { rebuild: false })).rejects.toThrow(/scripts\/setup\.sh/);
    const foreign = join(dir, 'foreign.js');
    writeFileSync(foreign, 'var __TEMPORAL__;\n');
    expect(staleReason(foreign)).toBe('not a metalflow workflow bundle');
    const stale = join(dir, 'stale.js');
    writeFileSync(stale, `// metalflow workflow bundle, inputs ${'0'.repeat(64)}\nvar __TEMPORAL__;\n`);
    expect(staleReason(stale)).toMatch(/^stale/);
  });

  it('rebuilds a stale bundle by default', async () => {
    const stale = join(dir, 'rebuild.js');
    writeFileSync(stale, `// metalflow workflow bundle, inputs ${'0'.repeat(64)}\n`);
    const loaded = await loadWorkflowBundle(stale);
    expect(loaded.rebuilt).toMatch(/^stale/);
    expect(staleReason(stale)).toBeUndefined();
  }, 60_000);

  it('hashes every source file: any change to one makes the bundle stale', () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'workflows'), { recursive: true });
    writeFileSync(join(src, 'workflows', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(src, 'b.ts'), 'export const b = 1;\n');
    const before = workflowInputsHash(src);
    writeFileSync(join(src, 'b.ts'), 'export const b = 2;\n');
    expect(workflowInputsHash(src)).not.toBe(before);
  });
});
