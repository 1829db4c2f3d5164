/**
 * Determinism: histories recorded from real lifecycles (test/fixtures/histories, recorded by the
 * host-lifecycle integration test with RECORD_HISTORIES=1) must replay with today's workflow code.
 * A failure here means a change would break hosts that are running now.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundlerOptions } from '../../../src/worker/bundler.js';

const dir = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));

describe('workflow replay', () => {
  it('replays every recorded lifecycle history without nondeterminism', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: JSON.parse(readFileSync(dir + f, 'utf8')) as { events: unknown[] } }));
    const events = histories.map((h) => h.history.events.length);
    expect(Math.min(...events)).toBeGreaterThan(20); // whole lifecycles, not stubs
    // Proto3-JSON histories: the SDK converts them (historyFromJSON) itself.
    const results = Worker.runReplayHistories(
      { workflowsPath: fileURLToPath(new URL('../../../src/workflows/index.ts', import.meta.url)), bundlerOptions: workflowBundlerOptions() },
      histories,
    );
    let replayed = 0;
    for await (const r of results) {
      expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
      replayed += 1;
    }
    expect(replayed).toBe(files.length);
  }, 120_000);
});
