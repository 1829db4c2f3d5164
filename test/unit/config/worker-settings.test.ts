/**
 * The power safety poll's bounds: never faster than the sync interval (0 was a hot loop of power
 * reads and registrations), never slower than the watch lease allows (the renewal must come first).
 */
import { describe, expect, it } from 'vitest';
import { MAX_POWER_SAFETY_POLL_MS, workerSettingsFromEnv } from '../../../src/config/worker-settings.js';
import { DEFAULT_POWER_SAFETY_POLL_MS } from '../../../src/contract/index.js';

const env = (over: Record<string, string>): NodeJS.ProcessEnv => ({ METALFLOW_DATA_DIR: '/tmp/metalflow-settings-test', ...over });

describe('worker settings: METALFLOW_POWER_SAFETY_POLL_INTERVAL', () => {
  it('defaults to DEFAULT_POWER_SAFETY_POLL_MS and accepts a value between the sync interval and MAX_POWER_SAFETY_POLL_MS', () => {
    expect(workerSettingsFromEnv(env({})).host.powerSafetyPollIntervalMs).toBe(DEFAULT_POWER_SAFETY_POLL_MS);
    expect(workerSettingsFromEnv(env({ METALFLOW_POWER_SYNC_INTERVAL: '1s', METALFLOW_POWER_SAFETY_POLL_INTERVAL: '1s' })).host.powerSafetyPollIntervalMs).toBe(1_000);
    expect(workerSettingsFromEnv(env({ METALFLOW_POWER_SAFETY_POLL_INTERVAL: `${MAX_POWER_SAFETY_POLL_MS}ms` })).host.powerSafetyPollIntervalMs).toBe(MAX_POWER_SAFETY_POLL_MS);
  });

  it('refuses 0 and anything faster than the sync interval', () => {
    expect(() => workerSettingsFromEnv(env({ METALFLOW_POWER_SAFETY_POLL_INTERVAL: '0' }))).toThrow(/METALFLOW_POWER_SAFETY_POLL_INTERVAL/);
    expect(() => workerSettingsFromEnv(env({ METALFLOW_POWER_SYNC_INTERVAL: '1m', METALFLOW_POWER_SAFETY_POLL_INTERVAL: '59s' }))).toThrow(/METALFLOW_POWER_SAFETY_POLL_INTERVAL/);
  });

  it(`refuses more than MAX_POWER_SAFETY_POLL_MS (${MAX_POWER_SAFETY_POLL_MS} ms: the longest watch lease spans WATCH_LEASE_SAFETY_POLLS polls)`, () => {
    expect(() => workerSettingsFromEnv(env({ METALFLOW_POWER_SAFETY_POLL_INTERVAL: `${MAX_POWER_SAFETY_POLL_MS + 1}ms` }))).toThrow(/METALFLOW_POWER_SAFETY_POLL_INTERVAL/);
  });
});
