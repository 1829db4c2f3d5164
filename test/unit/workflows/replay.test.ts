/**
 * Determinism: histories recorded from real lifecycles (test/fixtures/histories, recorded by the
 * host-lifecycle integration test with RECORD_HISTORIES=1) must replay with today's workflow code.
 * A failure here means a change would break hosts that are running now.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replayHistories } from '../../helpers/replay.js';

const dir = fileURLToPath(new URL('../../fixtures/histories/', import.meta.url));

describe('workflow replay', () => {
  it('replays every recorded lifecycle history without nondeterminism', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: JSON.parse(readFileSync(dir + f, 'utf8')) as { events: unknown[] } }));
    const events = histories.map((h) => h.history.events.length);
    expect(Math.min(...events)).toBeGreaterThan(20); // whole lifecycles, not stubs
    // Proto3-JSON histories: the SDK converts them (historyFromJSON) itself.
    const { replayed, failures } = await replayHistories(histories);
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  }, 120_000);
});
