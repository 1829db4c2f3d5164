/** Ironic agent API settings of the boot-services worker, from the environment. */
import { trustedProxyList } from '../agent/callback-url.js';
import { parseDurationMs } from '../api/durations.js';
import { bindAddress } from './boot-settings.js';

export interface AgentApiSettings {
  /** METALFLOW_AGENT_API_HOST: the listener's address (default: the provisioning address, else loopback). */
  host: string;
  /** METALFLOW_AGENT_API_PORT (6385, as in Metal3's firewall table; 0 = any free port). */
  port: number;
  /**
   * METALFLOW_AGENT_TRUSTED_PROXIES: comma-separated CIDRs of reverse proxies in front of the agent
   * API. A heartbeat's callback_url must point at the agent's address: the socket peer, or, from a
   * trusted proxy, the address it appended to X-Forwarded-For. Empty (default): no proxy trusted.
   */
  trustedProxies: string[];
  /** METALFLOW_AGENT_HEARTBEAT_TIMEOUT (s): IPA heartbeats every 30-60 % of it (Ironic [api]ramdisk_heartbeat_timeout: 300). */
  heartbeatTimeoutSeconds: number;
  /** METALFLOW_AGENT_POLL: how often a running agent command is polled (2s). */
  commandPollMs: number;
}

export function agentApiSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AgentApiSettings {
  const trustedProxies = (env.METALFLOW_AGENT_TRUSTED_PROXIES ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  try {
    trustedProxyList(trustedProxies);
  } catch (err) {
    throw new Error(`METALFLOW_AGENT_TRUSTED_PROXIES: ${(err as Error).message}`);
  }
  const port = Number(env.METALFLOW_AGENT_API_PORT || 6385);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`METALFLOW_AGENT_API_PORT=${env.METALFLOW_AGENT_API_PORT}: expected a port number`);
  const heartbeatTimeoutSeconds = Number(env.METALFLOW_AGENT_HEARTBEAT_TIMEOUT || 300);
  if (!Number.isInteger(heartbeatTimeoutSeconds) || heartbeatTimeoutSeconds <= 0) throw new Error(`METALFLOW_AGENT_HEARTBEAT_TIMEOUT=${env.METALFLOW_AGENT_HEARTBEAT_TIMEOUT}: expected whole seconds`);
  return { host: bindAddress(env, 'METALFLOW_AGENT_API_HOST'), port, trustedProxies, heartbeatTimeoutSeconds, commandPollMs: parseDurationMs(env.METALFLOW_AGENT_POLL || '2s') };
}
