/**
 * Agent command polling schedule (PERF-PLAN change 11): a short agent command (a metadata erase,
 * a small image write in the lab) finishes within seconds, so the first polls come fast and later
 * ones at the configured interval (Ironic's command_wait_interval role).
 */
import { describe, expect, it } from 'vitest';
import { FAST_AGENT_POLL_MS, FAST_AGENT_POLL_WINDOW_MS, agentPollDelayMs } from '../../../src/agent/ipa-client.js';

describe('agent command poll schedule', () => {
  it('polls every 500 ms for the first 5 s of a command, then at the configured interval', () => {
    expect([FAST_AGENT_POLL_MS, FAST_AGENT_POLL_WINDOW_MS]).toEqual([500, 5000]);
    expect(agentPollDelayMs(0, 2000)).toBe(500);
    expect(agentPollDelayMs(4999, 2000)).toBe(500);
    expect(agentPollDelayMs(5000, 2000)).toBe(2000);
    expect(agentPollDelayMs(600_000, 2000)).toBe(2000);
  });

  it('never polls slower early than the configured interval (a shorter interval wins)', () => {
    expect(agentPollDelayMs(0, 20)).toBe(20);
  });
});
