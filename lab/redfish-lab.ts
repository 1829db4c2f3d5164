/**
 * The emulated lab on real Redfish: one sushy-tools emulator with a fake system per host, and the
 * simulated agent fleet that sushy-tools' external notifier tells when a machine network-boots.
 * Used by `npm start`, the lab end-to-end test and the lifecycle benchmark.
 */
import { AgentFleet, type AgentFleetOptions } from './agents/agent-fleet.js';
import { labHosts, labManifest, type LabHost } from './lab-manifest.js';
import { startSushy, type Sushy } from './sushy-emulator.js';

export const LAB_PASSWORD = 'lab-password';

export interface RedfishLabOptions extends Omit<AgentFleetOptions, 'apiUrl'> {
  hosts: number;
  /** Where sushy-tools keeps its config, state and log. */
  dir: string;
  /** Base URL of the boot services' Ironic agent API. */
  agentApi: string;
  /** sushy-tools port (default: a free one). */
  port?: number;
  namespace?: string;
  /** Which hosts get an image (default: every second one, as in `npm start`). */
  withImage?: (index: number) => boolean;
}

export interface RedfishLab {
  hosts: Array<LabHost & { uuid: string }>;
  manifest: string;
  fleet: AgentFleet;
  sushy: Sushy;
  stop(): Promise<void>;
}

export async function startRedfishLab(opts: RedfishLabOptions): Promise<RedfishLab> {
  const fleet = new AgentFleet({ ...opts, apiUrl: opts.agentApi });
  const fleetUrl = await fleet.listen();
  let sushy: Sushy;
  try {
    // The system paths only depend on the uuid; the port is known once sushy-tools runs.
    const systems = labHosts(opts.hosts, { kind: 'fake' });
    sushy = await startSushy({ dir: opts.dir, systems: systems.map((h) => ({ uuid: h.uuid, name: h.name, mac: h.mac })), username: 'admin', password: LAB_PASSWORD, ...(opts.port ? { port: opts.port } : {}), notifyUrl: `${fleetUrl}/` });
  } catch (err) {
    await fleet.close();
    throw err;
  }
  const hosts = labHosts(opts.hosts, { kind: 'redfish', origin: sushy.url, systemPath: sushy.systemPath });
  return {
    hosts,
    manifest: labManifest(hosts, opts.namespace ?? 'lab', LAB_PASSWORD, opts.withImage),
    fleet,
    sushy,
    stop: async () => void (await Promise.all([sushy.stop(), fleet.close()])),
  };
}
