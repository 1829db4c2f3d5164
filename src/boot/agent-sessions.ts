/**
 * Which hosts expect an agent right now, for the Ironic agent API of one boot-services worker.
 * A host workflow opens a session before booting the agent and closes it afterwards; the API
 * answers lookups only for open sessions (Ironic's restrict_lookup) and forwards the first
 * heartbeat and the inspection data of a session to its workflow. The workflows own host state.
 * Identity rules: a MAC identifies one host only (another host's MACs never join a session, and an
 * ambiguous lookup finds nothing); inspection data is taken only in an inspection session, once.
 * Delivery: a heartbeat or inspection counts only once its signal was accepted. An inspection
 * session ends once its data was delivered and answered (when the boot activities said how to end
 * one): the agent has nothing more to do, and the workflow, told so in the signal, skips endAgent.
 */
import { AgentRequestRefusedError, SignalNotDeliveredError } from '../agent/agent-errors.js';
import { hardwareFromInventory, type IpaInventory } from '../agent/inventory.js';
import type { AgentBackend, AgentHost, Heartbeat } from '../agent/ironic-api.js';
import type { HardwareDetails } from '../api/types.js';

/** The ramdisk's own error report (IPA's `error`) is kept for the host's errorMessage, cut to this. */
export const MAX_INSPECTION_ERROR_CHARS = 1024;

export interface AgentSessionInput {
  workflowId: string;
  uuid: string;
  /** For logs only: never answered to agents. */
  name: string;
  /** The boot MAC first: the session's only lookup key (others are ignored). */
  macs: string[];
  session: string;
  /** An inspection boot: continue_inspection is accepted (once). */
  inspect?: boolean;
  /** Preprovisioning network data for the agent, plain (unsealed in the boot worker's activity). */
  networkData?: string;
}

interface Session extends AgentSessionInput {
  /** Set once the first heartbeat was delivered to the workflow (inspection sessions: at the first heartbeat, not signalled). */
  callbackUrl?: string;
  lastHeartbeatAt?: number;
  heartbeatInFlight?: Promise<void>;
  inspection?: 'in-flight' | 'delivered';
}

/** A session's first heartbeat, as its host workflow receives it (the contract's agentHeartbeat signal). */
export interface SessionHeartbeat {
  /** The agent's boot session (see expectAgent), so a late heartbeat of an old boot is ignored. */
  session: string;
  callbackUrl: string;
  agentVersion?: string;
}

/** A session's inspection data, as its host workflow receives it (the contract's agentInspection signal). */
export interface SessionInspection {
  session: string;
  /** The agent's inventory, already mapped (the raw inventory stays in the boot services). */
  hardware: HardwareDetails;
  /** What the ramdisk reported as failed (IPA's `error` key): the inspection fails with it. */
  error?: string;
  /** The boot services end this session themselves once this signal was accepted (the workflow need not). */
  sessionEnds?: boolean;
}

export interface SessionNotifier {
  heartbeat(workflowId: string, arg: SessionHeartbeat): Promise<void>;
  inspection(workflowId: string, arg: SessionInspection): Promise<void>;
}

/** Which host a boot MAC belongs to (the boot configuration), by node UUID. */
export interface BootMacOwners {
  get(mac: string): { uuid: string } | undefined;
}

export interface AgentSessionsOptions {
  boot?: BootMacOwners;
  log?: (level: 'info' | 'warn', message: string) => void;
}

export class AgentSessions implements AgentBackend {
  private readonly byUuid = new Map<string, Session>();
  /** How a session ends (the boot activities' endSession); unset, inspection sessions wait for endAgent. */
  private endSession: ((s: { uuid: string; session: string }) => Promise<void>) | undefined;

  constructor(
    private readonly notify: SessionNotifier,
    private readonly opts: AgentSessionsOptions = {},
  ) {}

  /**
   * Opens a session. Its only lookup key is the boot MAC: MACs an inspection reported are the agent's
   * word, not an identity (a forged inventory must not hand another machine this host's token).
   */
  open(input: AgentSessionInput): void {
    const bootMac = input.macs[0]?.toLowerCase();
    this.byUuid.set(input.uuid, { ...input, macs: bootMac === undefined ? [] : [bootMac] });
  }

  /** Ends each inspection session once its data was delivered and answered, with `end`. */
  endAfterInspection(end: (s: { uuid: string; session: string }) => Promise<void>): void {
    this.endSession = end;
  }

  close(uuid: string, session: string): void {
    if (this.byUuid.get(uuid)?.session === session) this.byUuid.delete(uuid);
  }

  get(uuid: string): Session | undefined {
    return this.byUuid.get(uuid);
  }

  async findByMacs(macs: string[]): Promise<AgentHost | undefined> {
    const wanted = new Set(macs.map((m) => m.toLowerCase()));
    const found = [...this.byUuid.values()].filter((s) => s.macs.some((m) => wanted.has(m)));
    if (found.length > 1) this.opts.log?.('warn', `agent request with MACs of several hosts (${found.map((s) => s.name).join(', ')}) refused`);
    return found.length === 1 && found[0] ? this.asHost(found[0]) : undefined;
  }

  async findByUuid(uuid: string): Promise<AgentHost | undefined> {
    const s = this.byUuid.get(uuid);
    return s ? this.asHost(s) : undefined;
  }

  async heartbeat(host: AgentHost, hb: Heartbeat): Promise<void> {
    const s = this.byUuid.get(host.uuid);
    if (!s) return;
    s.lastHeartbeatAt = Date.now();
    // Only the first delivered heartbeat matters to the workflow; later ones would only grow its history.
    if (s.callbackUrl !== undefined) return;
    // An inspection boot's workflow waits for the inspection data, never for a heartbeat: signalling it
    // would cost the history a signal and a workflow task per inspection for nothing.
    if (s.inspect) {
      s.callbackUrl = hb.callbackUrl;
      return;
    }
    if (s.heartbeatInFlight) return s.heartbeatInFlight;
    const arg: SessionHeartbeat = { session: s.session, callbackUrl: hb.callbackUrl, ...(hb.agentVersion ? { agentVersion: hb.agentVersion } : {}) };
    s.heartbeatInFlight = this.notify
      .heartbeat(s.workflowId, arg)
      .then(() => {
        s.callbackUrl = hb.callbackUrl;
      })
      .catch((err: unknown) => {
        throw new SignalNotDeliveredError(err);
      })
      .finally(() => {
        s.heartbeatInFlight = undefined;
      });
    return s.heartbeatInFlight;
  }

  async inspectionData(host: AgentHost, data: Record<string, unknown>, macs: string[]): Promise<void> {
    const s = this.byUuid.get(host.uuid);
    // Not an inspection boot, or no boot MAC in the inventory: as if no such node (Ironic's NotFound).
    if (!s || !s.inspect || !s.macs[0] || !macs.includes(s.macs[0])) throw new AgentRequestRefusedError(404, 'Node not found or not in a state that allows this request');
    if (s.inspection === 'delivered') throw new AgentRequestRefusedError(400, 'Inspection data for this boot was already received');
    if (s.inspection === 'in-flight') throw new AgentRequestRefusedError(409, 'Inspection data for this boot is being processed');
    for (const mac of macs) {
      const owner = this.ownerOf(mac, s.uuid);
      if (owner) {
        this.opts.log?.('warn', `inspection data for ${s.name} refused: MAC ${mac} belongs to host ${owner}`);
        throw new AgentRequestRefusedError(400, 'Invalid inspection data: an interface MAC address belongs to another node');
      }
    }
    // IPA reports collector failures in `error`; Ironic's inspection fails with "Ramdisk reported error".
    const error = typeof data.error === 'string' && data.error !== '' ? data.error.slice(0, MAX_INSPECTION_ERROR_CHARS) : undefined;
    const arg: SessionInspection = { session: s.session, hardware: hardwareFromInventory(data.inventory as IpaInventory), ...(error ? { error } : {}), ...(this.endSession ? { sessionEnds: true } : {}) };
    s.inspection = 'in-flight';
    try {
      await this.notify.inspection(s.workflowId, arg);
      s.inspection = 'delivered';
    } catch (err) {
      s.inspection = undefined;
      throw new SignalNotDeliveredError(err);
    }
  }

  /**
   * The agent API answered a delivered inspection: the session ends now. Not earlier: until the
   * signal was accepted, IPA's retry must still find the session; and the answer (a lookup body
   * from API 1.84 on) is built first, so no token is revealed after the end.
   */
  async inspectionAnswered(host: AgentHost): Promise<void> {
    const s = this.byUuid.get(host.uuid);
    if (!s || s.inspection !== 'delivered' || !this.endSession) return;
    try {
      await this.endSession({ uuid: s.uuid, session: s.session });
    } catch (err) {
      // The workflow was told the session ends: the next session's expectAgent wipes its token in any case.
      this.opts.log?.('warn', `ending the inspection session of ${s.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The other host (name or uuid) a MAC belongs to: an open session's lookup key or a boot MAC. */
  private ownerOf(mac: string, uuid: string): string | undefined {
    for (const o of this.byUuid.values()) if (o.uuid !== uuid && o.macs.includes(mac)) return o.name;
    const booted = this.opts.boot?.get(mac);
    return booted && booted.uuid !== uuid ? booted.uuid : undefined;
  }

  private asHost(s: Session): AgentHost {
    return { uuid: s.uuid, lookupAllowed: true, ...(s.networkData !== undefined ? { networkData: s.networkData } : {}) };
  }
}
