/** Host-worker settings from the environment (only entry points read env; modules get plain options). */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_WATCH_LEASE_MS } from '../bmc/power-watch.js';
import { DEFAULT_HOST_SETTINGS, DEFAULT_POWER_SAFETY_POLL_MS, TaskQueue, Timeouts, WATCH_LEASE_SAFETY_POLLS, type HostSettings } from '../contract/index.js';
import type { PublicKeySources } from '../secrets/key-store.js';
import { parseDurationMs } from '../api/durations.js';
import { wholeNumberFromEnv } from './env-numbers.js';
import { DEFAULT_PROVISIONING_NETWORK, isValidProvisioningNetwork } from '../api/provisioning-network.js';

/** The slowest safety poll: the watch lease (WATCH_LEASE_SAFETY_POLLS polls) must fit in MAX_WATCH_LEASE_MS. */
export const MAX_POWER_SAFETY_POLL_MS = MAX_WATCH_LEASE_MS / WATCH_LEASE_SAFETY_POLLS;

export interface WorkerSettings {
  dataDir: string;
  /** The workers' private sealing keys (read only; `metalflow keys create` writes them). */
  sealKeyDir: string;
  fakeStateDir: string;
  fakeStepMs: number;
  simulatedAgent: boolean;
  ipmiMinIntervalMs: number;
  ipmiCipherSuite: number;
  powerStateTimeoutMs: number;
  softPowerOffTimeoutMs: number;
  host: HostSettings;
  logLevel: string;
}

/** METALFLOW_POWER_SAFETY_POLL_INTERVAL within [the sync interval, MAX_POWER_SAFETY_POLL_MS] (0 would read and register in a loop). */
function safetyPollMs(env: NodeJS.ProcessEnv, syncMs: number): number {
  const raw = env.METALFLOW_POWER_SAFETY_POLL_INTERVAL;
  if (!raw) return Math.max(DEFAULT_POWER_SAFETY_POLL_MS, syncMs);
  const ms = parseDurationMs(raw);
  if (ms < syncMs || ms > MAX_POWER_SAFETY_POLL_MS) throw new Error(`METALFLOW_POWER_SAFETY_POLL_INTERVAL=${raw}: expected between the power sync interval (${syncMs} ms) and ${MAX_POWER_SAFETY_POLL_MS} ms`);
  return ms;
}

export function dataDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.METALFLOW_DATA_DIR || '.metalflow');
}

/** Directory of the sealing keys (private keys and the public key file). */
export function sealKeyDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.METALFLOW_SEAL_KEY_DIR || join(dataDirFromEnv(env), 'keys'));
}

/** Where a client finds the public key it seals with: inline, a file, else the key directory. */
export function sealPublicKeySourcesFromEnv(env: NodeJS.ProcessEnv = process.env): PublicKeySources {
  return {
    ...(env.METALFLOW_SEAL_PUBLIC_KEY ? { inline: env.METALFLOW_SEAL_PUBLIC_KEY } : {}),
    ...(env.METALFLOW_SEAL_PUBLIC_KEY_FILE ? { file: resolve(env.METALFLOW_SEAL_PUBLIC_KEY_FILE) } : {}),
    keyDir: sealKeyDirFromEnv(env),
  };
}

/** The provisioning network a boot-services worker serves (METALFLOW_PROVISIONING_NETWORK, `default`). */
export function provisioningNetworkFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const network = env.METALFLOW_PROVISIONING_NETWORK || DEFAULT_PROVISIONING_NETWORK;
  if (!isValidProvisioningNetwork(network)) throw new Error(`METALFLOW_PROVISIONING_NETWORK=${network}: expected a DNS label`);
  return network;
}

/** The host task queue (override only to isolate several deployments or test runs on one namespace). */
export function hostTaskQueueFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.METALFLOW_TASK_QUEUE || TaskQueue.hosts;
}

/** The prebuilt workflow bundle the workers run (METALFLOW_WORKFLOW_BUNDLE; default build/workflow-bundle.js). */
export function workflowBundlePathFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.METALFLOW_WORKFLOW_BUNDLE || fileURLToPath(new URL('../../build/workflow-bundle.js', import.meta.url)));
}

export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const dataDir = dataDirFromEnv(env);
  const powerSyncIntervalMs = env.METALFLOW_POWER_SYNC_INTERVAL ? parseDurationMs(env.METALFLOW_POWER_SYNC_INTERVAL) : DEFAULT_HOST_SETTINGS.powerSyncIntervalMs;
  return {
    dataDir,
    sealKeyDir: sealKeyDirFromEnv(env),
    fakeStateDir: env.METALFLOW_FAKE_STATE_DIR || join(dataDir, 'fake-hardware'),
    fakeStepMs: parseDurationMs(env.METALFLOW_FAKE_STEP || '1s'),
    simulatedAgent: env.METALFLOW_SIMULATED_AGENT === 'true' || env.METALFLOW_SIMULATED_AGENT === '1',
    ipmiMinIntervalMs: parseDurationMs(env.METALFLOW_IPMI_MIN_INTERVAL || '5s'),
    ipmiCipherSuite: wholeNumberFromEnv(env, 'METALFLOW_IPMI_CIPHER_SUITE', 3),
    powerStateTimeoutMs: env.METALFLOW_POWER_STATE_TIMEOUT ? parseDurationMs(env.METALFLOW_POWER_STATE_TIMEOUT) : Timeouts.powerStateMs,
    softPowerOffTimeoutMs: env.METALFLOW_SOFT_POWER_OFF_TIMEOUT ? parseDurationMs(env.METALFLOW_SOFT_POWER_OFF_TIMEOUT) : Timeouts.softPowerOffMs,
    logLevel: env.METALFLOW_LOG_LEVEL || 'info',
    host: {
      provisioningLimit: wholeNumberFromEnv(env, 'METALFLOW_PROVISIONING_LIMIT', DEFAULT_HOST_SETTINGS.provisioningLimit),
      maxProvisioningRetries: wholeNumberFromEnv(env, 'METALFLOW_MAX_PROVISIONING_RETRIES', DEFAULT_HOST_SETTINGS.maxProvisioningRetries),
      powerSyncIntervalMs,
      powerSafetyPollIntervalMs: safetyPollMs(env, powerSyncIntervalMs),
      powerWatch: !(env.METALFLOW_POWER_WATCH === 'false' || env.METALFLOW_POWER_WATCH === '0'),
      maxHistoryEvents: wholeNumberFromEnv(env, 'METALFLOW_MAX_HISTORY_EVENTS', DEFAULT_HOST_SETTINGS.maxHistoryEvents),
      backoffUnitMs: env.METALFLOW_BACKOFF_UNIT ? parseDurationMs(env.METALFLOW_BACKOFF_UNIT) : DEFAULT_HOST_SETTINGS.backoffUnitMs,
      agent: env.METALFLOW_SIMULATED_AGENT === 'true' || env.METALFLOW_SIMULATED_AGENT === '1' ? 'inline' : 'ipa',
      agentCallbackTimeoutMs: parseDurationMs(env.METALFLOW_AGENT_CALLBACK_TIMEOUT || '30m'),
    },
  };
}
