/**
 * Which hosts expect an agent right now, for the Ironic agent API of one boot-services worker.
 * A host workflow opens a session before booting the agent and closes it afterwards; the API
 * answers lookups only for open sessions (Ironic's restrict_lookup) and forwards the first
 * heartbeat and the inspection data of a session to its workflow. The workflows own host state.
 */
import { hardwareFromInventory, type IpaInventory } from '../agent/inventory.js';
import type { AgentBackend, AgentHost, Heartbeat } from '../agent/ironic-api.js';
import type { AgentHeartbeatArg, AgentInspectionArg } from '../contract/index.js';

export interface AgentSessionInput {
  workflowId: string;
  uuid: string;
  name: string;
  macs: string[];
  session: string;
  /** Preprovisioning network data for the agent, plain (unsealed in the boot worker's activity). */
  networkData?: string;
}

interface Session extends AgentSessionInput {
  callbackUrl?: string;
  lastHeartbeatAt?: number;
}

export interface SessionNotifier {
  heartbeat(workflowId: string, arg: AgentHeartbeatArg): Promise<void>;
  inspection(workflowId: string, arg: AgentInspectionArg): Promise<void>;
}

export class AgentSessions implements AgentBackend {
  private readonly byUuid = new Map<string, Session>();

  constructor(private readonly notify: SessionNotifier) {}

  open(input: AgentSessionInput): void {
    this.byUuid.set(input.uuid, { ...input, macs: input.macs.map((m) => m.toLowerCase()) });
  }

  close(uuid: string, session: string): void {
    if (this.byUuid.get(uuid)?.session === session) this.byUuid.delete(uuid);
  }

  get(uuid: string): Session | undefined {
    return this.byUuid.get(uuid);
  }

  async findByMacs(macs: string[]): Promise<AgentHost | undefined> {
    const wanted = new Set(macs.map((m) => m.toLowerCase()));
    for (const s of this.byUuid.values()) if (s.macs.some((m) => wanted.has(m))) return this.asHost(s);
    return undefined;
  }

  async findByIdOrName(id: string): Promise<AgentHost | undefined> {
    const s = this.byUuid.get(id) ?? [...this.byUuid.values()].find((x) => x.name === id);
    return s ? this.asHost(s) : undefined;
  }

  async heartbeat(host: AgentHost, hb: Heartbeat): Promise<void> {
    const s = this.byUuid.get(host.uuid);
    if (!s) return;
    const first = s.callbackUrl === undefined;
    s.callbackUrl = hb.callbackUrl;
    s.lastHeartbeatAt = Date.now();
    // Only the first heartbeat matters to the workflow; later ones would only grow its history.
    if (first) await this.notify.heartbeat(s.workflowId, { session: s.session, callbackUrl: hb.callbackUrl, ...(hb.agentVersion ? { agentVersion: hb.agentVersion } : {}) });
  }

  async inspectionData(host: AgentHost, data: Record<string, unknown>): Promise<void> {
    const s = this.byUuid.get(host.uuid);
    if (!s) return;
    // IPA reports collector failures in `error`; Ironic's inspection fails with "Ramdisk reported error".
    const error = typeof data.error === 'string' && data.error !== '' ? data.error : undefined;
    await this.notify.inspection(s.workflowId, { session: s.session, hardware: hardwareFromInventory(data.inventory as IpaInventory), ...(error ? { error } : {}) });
  }

  private asHost(s: Session): AgentHost {
    return { uuid: s.uuid, name: s.name, lookupAllowed: true, ...(s.networkData !== undefined ? { networkData: s.networkData } : {}) };
  }
}
