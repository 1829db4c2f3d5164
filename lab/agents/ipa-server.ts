/**
 * The agent side of the IPA REST API for simulated agents (like Metal3's fake-ipa, in TypeScript):
 * one server, many hosts, each behind its own path prefix (`/{hostId}/v1/commands/`), so one
 * process plays the agent of a whole lab. Same rules as IPA's api/app.py: one command at a time
 * (409), the token required once the agent has one (401), async commands polled by the server.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { BadRequestTargetError, listenHttp, parseTarget, readBody, sendJson as json } from '../../src/agent/http-server.js';
import type { CommandResult } from '../../src/agent/ipa-client.js';
import type { IpaInventory } from '../../src/agent/inventory.js';

export interface SimulatedMachine {
  inventory: IpaInventory;
  /** What the simulated disks hold, by device name. */
  disks: Record<string, { partitionTable: boolean; image?: string; configDrive?: boolean }>;
  poweredOff: boolean;
  /** The preprovisioning network data the agent got at its last lookup. */
  networkData?: string | undefined;
}

export interface SimulatedAgentOptions {
  /** Duration of async commands, by command name (default 50 ms). */
  durationMs?: (command: string) => number;
  /** Return an error message to make a command fail (failure injection). */
  failure?: (hostId: string, command: string, params: Record<string, unknown>) => string | undefined;
  /** Told how long each async command kept the simulated hardware busy (benchmarks subtract it). */
  onBusy?: (hostId: string, startMs: number, endMs: number) => void;
}

interface HostAgent {
  token?: string;
  commands: CommandResult[];
  machine: SimulatedMachine;
}

const ASYNC = new Set(['clean.execute_clean_step', 'deploy.execute_deploy_step', 'image.install_bootloader', 'standby.power_off', 'standby.prepare_image']);
const GENERIC = 'GenericHardwareManager';

export class SimulatedIpaServer {
  private readonly hosts = new Map<string, HostAgent>();

  constructor(private readonly opts: SimulatedAgentOptions = {}) {}

  /** A booted agent for `hostId` (as after PXE boot); the token comes from its lookup. */
  boot(hostId: string, machine: SimulatedMachine, token?: string): void {
    this.hosts.set(hostId, { ...(token ? { token } : {}), commands: [], machine });
  }

  setToken(hostId: string, token: string): void {
    const h = this.hosts.get(hostId);
    if (h) h.token = token;
  }

  /** The agent "shuts down" (power off / reboot): it stops answering. */
  shutdown(hostId: string): void {
    this.hosts.delete(hostId);
  }

  machine(hostId: string): SimulatedMachine | undefined {
    return this.hosts.get(hostId)?.machine;
  }

  listen(port: number, host = '127.0.0.1'): Promise<Server> {
    return listenHttp((req, res) => this.handle(req, res), port, host);
  }

  /** Serves one request (exposed so a lab process can share its HTTP server). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = parseTarget(req.url).url;
    } catch (err) {
      if (err instanceof BadRequestTargetError) return fault(res, err.status, 'Client', err.message);
      throw err;
    }
    const m = /^\/([^/]+)\/v1\/(commands|status)(?:\/([^/]*))?\/?$/.exec(url.pathname);
    const host = m ? this.hosts.get(decodeURIComponent(m[1] ?? '')) : undefined;
    if (!m || !host) return fault(res, 404, 'Client', 'Not found');
    if (m[2] === 'status') return json(res, 200, { started_at: Date.now() / 1000, version: 'metalflow-simulated-agent' });
    if (host.token !== undefined && url.searchParams.get('agent_token') !== host.token) return fault(res, 401, 'Client', 'Token invalid.');
    if (req.method === 'GET') {
      const id = m[3];
      if (id) {
        const c = host.commands.find((x) => x.id === id);
        return c ? json(res, 200, c) : fault(res, 404, 'Client', 'Command not found');
      }
      return json(res, 200, { commands: host.commands });
    }
    if (req.method !== 'POST') return fault(res, 405, 'Client', 'Method not allowed');
    let body: { name?: unknown; params?: unknown };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch {
      return fault(res, 400, 'Client', 'Invalid content');
    }
    if (typeof body.name !== 'string' || typeof body.params !== 'object' || body.params === null || Array.isArray(body.params)) {
      return fault(res, 400, 'Client', 'Invalid command: name and params are required');
    }
    if (host.commands.at(-1)?.command_status === 'RUNNING') return fault(res, 409, 'Client', 'Agent is busy');
    const name = body.name;
    const params = body.params as Record<string, unknown>;
    const hostId = decodeURIComponent(m[1] ?? '');
    const [ext = '', cmd = ''] = name.split('.');
    const result: CommandResult = { id: randomUUID(), command_name: cmd, command_status: 'RUNNING', command_error: null, command_result: null };
    host.commands.push(result);
    const finish = (): void => {
      const failure = this.opts.failure?.(hostId, name, params);
      if (failure) {
        result.command_status = 'FAILED';
        result.command_error = { type: 'CommandExecutionError', code: 500, message: 'Command execution failed', details: failure };
        return;
      }
      try {
        result.command_result = execute(host.machine, name, params);
        result.command_status = 'SUCCEEDED';
      } catch (err) {
        result.command_status = 'FAILED';
        result.command_error = { type: 'CommandExecutionError', code: 500, message: 'Command execution failed', details: (err as Error).message };
      }
    };
    if (!['clean', 'deploy', 'standby', 'image', 'log', 'poll'].includes(ext)) {
      host.commands.pop();
      return fault(res, 404, 'Client', `Extension ${ext} not found`);
    }
    const duration = this.opts.durationMs?.(name) ?? 50;
    if (ASYNC.has(name)) this.opts.onBusy?.(hostId, Date.now(), Date.now() + duration);
    if (!ASYNC.has(name) || url.searchParams.get('wait') === 'true') {
      if (ASYNC.has(name)) await new Promise((r) => setTimeout(r, duration));
      finish();
      return json(res, 200, result);
    }
    setTimeout(finish, duration);
    return json(res, 200, result);
  }
}

/** What each command does to the simulated machine, and the result IPA would return. */
function execute(machine: SimulatedMachine, name: string, params: Record<string, unknown>): Record<string, unknown> {
  const step = params.step as { step?: string; args?: Record<string, unknown> } | undefined;
  switch (name) {
    case 'clean.get_clean_steps':
      return {
        clean_steps: { [GENERIC]: [{ step: 'erase_devices_metadata', priority: 99, interface: 'deploy', reboot_requested: false, abortable: true }, { step: 'erase_devices', priority: 10, interface: 'deploy', reboot_requested: false, abortable: true }] },
        hardware_manager_version: { generic_hardware_manager: '1.2' },
      };
    case 'clean.execute_clean_step':
      if (step?.step === 'erase_devices_metadata' || step?.step === 'erase_devices') {
        for (const d of Object.values(machine.disks)) {
          d.partitionTable = false;
          delete d.image;
          delete d.configDrive;
        }
      } else throw new Error(`unknown clean step ${String(step?.step)}`);
      return { clean_result: null, clean_step: step };
    case 'deploy.get_deploy_steps':
      return { deploy_steps: { [GENERIC]: [{ step: 'write_image', priority: 0, interface: 'deploy', reboot_requested: false }] }, hardware_manager_version: { generic_hardware_manager: '1.2' } };
    case 'deploy.execute_deploy_step': {
      if (step?.step !== 'write_image') throw new Error(`unknown deploy step ${String(step?.step)}`);
      const info = (step.args?.image_info ?? {}) as { urls?: string[] };
      const url = info.urls?.[0];
      if (!url) throw new Error('image_info.urls is required');
      // As IPA: the root device comes from the node's root_device hints (we send the chosen name).
      const node = params.node as { properties?: { root_device?: { name?: string } } } | undefined;
      const target = node?.properties?.root_device?.name ?? Object.keys(machine.disks)[0];
      const disk = target ? machine.disks[target] : undefined;
      if (!disk) throw new Error(`no such disk ${String(target)}`);
      disk.partitionTable = true;
      disk.image = url;
      disk.configDrive = typeof step.args?.configdrive === 'string';
      return { deploy_result: null, deploy_step: step };
    }
    case 'standby.get_partition_uuids':
      return {};
    case 'image.install_bootloader':
      return {};
    case 'standby.power_off':
      machine.poweredOff = true;
      return {};
    case 'log.collect_system_logs':
      return { system_logs: '' };
    case 'poll.get_hardware_info':
      return machine.inventory as unknown as Record<string, unknown>;
    default:
      throw new Error(`command ${name} is not implemented by the simulated agent`);
  }
}

function fault(res: ServerResponse, status: number, code: 'Client' | 'Server', message: string): void {
  json(res, status, { faultcode: code, faultstring: message });
}
