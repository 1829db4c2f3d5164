/** Simulated agents (their IPA API on loopback) and the real boot-services worker of a stack, its agent API on a free loopback port. */
import { freePort } from '../../lab/processes.js';
import type { SimulatedIpaServer } from '../../lab/agents/ipa-server.js';
import { portOf } from '../../src/agent/http-server.js';
import type { TestStack } from './stack.js';

export interface AgentBoot {
  /** Where the simulated agents listen (heartbeats' callback_url: `${ipaBase}/<uuid>`). */
  ipaBase: string;
  /** The boot worker's Ironic agent API. */
  apiUrl: string;
  close(): Promise<void>;
}

export async function startAgentBoot(stack: TestStack, ipa: SimulatedIpaServer): Promise<AgentBoot> {
  const server = await ipa.listen(0, '127.0.0.1');
  const close = (): Promise<void> => new Promise<void>((r) => server.close(() => r()));
  try {
    const apiPort = await freePort();
    await stack.startWorker('src/worker/boot-main.ts', 'boot services worker started', { METALFLOW_AGENT_API_HOST: '127.0.0.1', METALFLOW_AGENT_API_PORT: String(apiPort), METALFLOW_AGENT_POLL: '200ms' });
    return { ipaBase: `http://127.0.0.1:${portOf(server)}`, apiUrl: `http://127.0.0.1:${apiPort}`, close };
  } catch (err) {
    await close();
    throw err;
  }
}
