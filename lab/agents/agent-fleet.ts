/**
 * Simulated Ironic agents for a lab of emulated machines (a TypeScript fake-ipa): it listens to
 * sushy-tools' external notifications, and when a system powers on with a network boot device it
 * "boots" the agent after a delay: posts inspection data, looks itself up, heartbeats, and serves
 * the agent's REST API for that host (one process, many hosts, path prefix per host).
 * Powering off (or rebooting) the system stops its agent, as on real hardware.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { listenHttp, portOf, readBody } from '../../src/agent/http-server.js';
import { createHash } from 'node:crypto';
import { request } from 'undici';
import type { IpaInventory } from '../../src/agent/inventory.js';
import { SimulatedIpaServer, type SimulatedAgentOptions, type SimulatedMachine } from './ipa-server.js';
import { machineChange, type SushySystem } from './sushy-notifications.js';

export interface AgentFleetOptions extends SimulatedAgentOptions {
  /** Base URL of the Ironic agent API (the boot services), e.g. http://127.0.0.1:6385 */
  apiUrl: string;
  /** How long a machine takes to boot the agent after power on. */
  bootDelayMs?: number;
  /** Between heartbeats (IPA: 30-60 % of heartbeat_timeout). */
  heartbeatMs?: number;
  /** Where to tell what the agents do (lab logs). */
  log?: (message: string) => void;
  /** Failure injection: by system name, how many times each phase fails before it works. */
  faults?: FleetFaults;
  /** Every system change sushy-tools reported (what the BMC was told: boot device, media, mode, secure boot). */
  observe?: (sys: SushySystem) => void;
}

export type FaultPhase = 'inspect' | 'clean' | 'deploy';
export type FleetFaults = Record<string, Partial<Record<FaultPhase, number>>>;
const PHASES: readonly FaultPhase[] = ['inspect', 'clean', 'deploy'];

/** `host-1:clean,host-3:deploy:2` → faults (count defaults to 1), for the lab's --fail flag. */
export function parseFaults(text: string): FleetFaults {
  const faults: FleetFaults = {};
  for (const item of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [name, phase, count = '1'] = item.split(':');
    if (!name || !PHASES.includes(phase as FaultPhase) || !/^\d+$/.test(count)) {
      throw new Error(`--fail ${item}: expected <host>:<${PHASES.join('|')}>[:<times>]`);
    }
    faults[name] = { ...faults[name], [phase as FaultPhase]: Number(count) };
  }
  return faults;
}

interface Running {
  timers: NodeJS.Timeout[];
  booted: boolean;
}

export class AgentFleet {
  readonly ipa: SimulatedIpaServer;
  private readonly running = new Map<string, Running>();
  private readonly machines = new Map<string, SimulatedMachine>();
  private readonly names = new Map<string, string>();
  /** Per system: intervals the simulated hardware was busy (power delays, agent boot, commands). */
  private readonly busy = new Map<string, Array<[number, number]>>();
  private readonly faults: FleetFaults;
  private base = '';
  private server: Server | undefined;

  constructor(private readonly opts: AgentFleetOptions) {
    this.faults = structuredClone(opts.faults ?? {});
    this.ipa = new SimulatedIpaServer({
      ...opts,
      onBusy: (uuid, start, end) => this.markBusy(uuid, start, end),
      failure: (uuid, command, params) => {
        const injected = opts.failure?.(uuid, command, params);
        if (injected) return injected;
        if (command === 'clean.execute_clean_step' && this.takeFault(uuid, 'clean')) return 'Simulated failure (injected): erase_devices_metadata failed on /dev/sda';
        if (command === 'deploy.execute_deploy_step' && this.takeFault(uuid, 'deploy')) return 'Simulated failure (injected): write_image failed: image checksum mismatch';
        return undefined;
      },
    });
  }

  /** How much of [fromMs, toMs] the system's simulated hardware was busy (overlaps counted once). */
  hardwareMs(uuid: string, fromMs: number, toMs: number): number {
    const spans = (this.busy.get(uuid) ?? []).map(([a, b]): [number, number] => [Math.max(a, fromMs), Math.min(b, toMs)]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
    let total = 0;
    let end = -Infinity;
    for (const [a, b] of spans) {
      if (b <= end) continue;
      total += b - Math.max(a, end);
      end = b;
    }
    return total;
  }

  private markBusy(uuid: string, start: number, end: number): void {
    const list = this.busy.get(uuid) ?? [];
    list.push([start, end]);
    this.busy.set(uuid, list);
  }

  /** Makes the next `times` runs of a phase fail on the named system (failure injection at run time). */
  inject(name: string, phase: FaultPhase, times = 1): void {
    this.faults[name] = { ...this.faults[name], [phase]: (this.faults[name]?.[phase] ?? 0) + times };
  }

  /** Whether this phase of this system should fail now (counts down the injected failures). */
  private takeFault(uuid: string, phase: FaultPhase): boolean {
    const f = this.faults[this.names.get(uuid) ?? ''];
    const left = f?.[phase] ?? 0;
    if (!f || left <= 0) return false;
    f[phase] = left - 1;
    this.opts.log?.(`${this.names.get(uuid) ?? uuid}: injected ${phase} failure`);
    return true;
  }

  /** One HTTP server: `PUT /` takes notifications, everything else is the agents' API. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = await listenHttp((req, res) => this.route(req, res), port, host);
    this.base = `http://${host}:${portOf(this.server)}`;
    return this.base;
  }

  async close(): Promise<void> {
    for (const id of [...this.running.keys()]) this.stop(id);
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The simulated machine behind a system (its disks after cleaning and deployment). */
  machine(uuid: string): SimulatedMachine | undefined {
    return this.machines.get(uuid);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'PUT' && (req.url === '/' || req.url === '')) {
      try {
        this.onSystem(JSON.parse(await readBody(req)) as SushySystem);
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    await this.ipa.handle(req, res);
  }

  private onSystem(sys: SushySystem): void {
    this.names.set(sys.uuid, sys.name);
    this.opts.observe?.(sys);
    // sushy-tools applies a power change 1-11 s after the request: hardware time, not ours.
    const applyAt = sys.pending_power?.apply_time;
    if (applyAt) this.markBusy(sys.uuid, Date.now(), applyAt * 1000);
    this.opts.log?.(`${sys.name}: power ${sys.power_state}${sys.pending_power ? ` → ${sys.pending_power.power_state}` : ''}, boot ${sys.boot_device ?? 'Hdd'}`);
    const change = machineChange(sys, this.running.has(sys.uuid));
    if (change.stop) this.stop(sys.uuid);
    if (change.bootAt !== undefined) this.schedule(sys, change.bootAt);
  }

  private schedule(sys: SushySystem, bootAt: number): void {
    const startIn = Math.max(0, bootAt - Date.now()) + (this.opts.bootDelayMs ?? 1000);
    this.markBusy(sys.uuid, Date.now(), Date.now() + startIn); // power-on delay and the agent's boot
    const run: Running = { timers: [], booted: false };
    this.running.set(sys.uuid, run);
    run.timers.push(setTimeout(() => void this.boot(sys, run).catch(() => this.stop(sys.uuid)), startIn));
  }

  private stop(uuid: string): void {
    const run = this.running.get(uuid);
    if (!run) return;
    run.timers.forEach(clearTimeout);
    this.running.delete(uuid);
    this.ipa.shutdown(uuid);
  }

  /** IPA's start-up: inspection callback, lookup (retried), then serve and heartbeat. */
  private async boot(sys: SushySystem, run: Running): Promise<void> {
    const machine = this.machines.get(sys.uuid) ?? newMachine(sys);
    this.machines.set(sys.uuid, machine);
    machine.poweredOff = false;
    const macs = machine.inventory.interfaces.map((i) => i.mac_address);
    // IPA posts what it collected, with `error` when a collector failed.
    const error = this.takeFault(sys.uuid, 'inspect') ? 'Simulated failure (injected): collector "default" failed: lshw timed out' : undefined;
    await post(`${this.opts.apiUrl}/v1/continue_inspection`, { inventory: machine.inventory, root_disk: null, configuration: { collectors: ['default', 'logs'] }, ...(error ? { error } : {}) }).catch(() => undefined);
    let token: string | undefined;
    let nodeUuid: string | undefined;
    for (let attempt = 0; attempt < 600 && this.running.get(sys.uuid) === run; attempt++) {
      const res = await request(`${this.opts.apiUrl}/v1/lookup?addresses=${macs.join(',')}`, { headers: { 'X-OpenStack-Ironic-API-Version': '1.62' } }).catch(() => undefined);
      if (res?.statusCode === 200) {
        const body = (await res.body.json()) as { node?: { uuid?: string }; config?: { agent_token?: string; network_data?: string } };
        token = body.config?.agent_token;
        machine.networkData = body.config?.network_data; // what a real agent would apply (nmstate)
        nodeUuid = body.node?.uuid; // IPA heartbeats as the node the lookup named
        break;
      }
      await res?.body.dump();
      await new Promise((r) => setTimeout(r, 1000));
    }
    this.opts.log?.(`${sys.name}: lookup ${token ? (token === '******' ? 'gave a masked token' : 'gave a token') : 'failed'}`);
    if (this.running.get(sys.uuid) !== run || !token || token === '******' || !nodeUuid) return;
    this.ipa.boot(sys.uuid, machine, token);
    run.booted = true;
    const beat = async (): Promise<void> => {
      if (this.running.get(sys.uuid) !== run) return;
      const status = await post(`${this.opts.apiUrl}/v1/heartbeat/${nodeUuid}`, { callback_url: `${this.base}/${sys.uuid}`, agent_token: token, agent_version: 'metalflow-simulated' }).catch(() => 0);
      this.opts.log?.(`${sys.name}: heartbeat → ${status}`);
      run.timers.push(setTimeout(() => void beat(), this.opts.heartbeatMs ?? 5000));
    };
    await beat();
  }
}

async function post(url: string, body: unknown): Promise<number> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  await res.body.dump();
  return res.statusCode;
}

/** A plausible machine, varied but stable per system (two disks, the system's NICs). */
function newMachine(sys: SushySystem): SimulatedMachine {
  const h = createHash('sha256').update(sys.uuid).digest();
  const gib = 2 ** 30;
  const inventory: IpaInventory = {
    interfaces: (sys.nics ?? []).map((n, i) => ({ name: `eth${i}`, mac_address: n.mac.toLowerCase(), ipv4_address: n.ip ?? null, has_carrier: true, speed_mbps: 10000 })),
    cpu: { model_name: 'Simulated CPU', frequency: '2400', count: 4 * (1 + ((h[0] ?? 0) % 4)), architecture: 'x86_64', flags: ['vmx'] },
    disks: [
      { name: '/dev/sda', size: (240 + ((h[1] ?? 0) % 4) * 240) * gib, rotational: false, serial: `SIM-${sys.uuid.slice(0, 8)}-1`, model: 'Simulated SSD', vendor: 'metalflow' },
      { name: '/dev/sdb', size: 1920 * gib, rotational: true, serial: `SIM-${sys.uuid.slice(0, 8)}-2`, model: 'Simulated HDD', vendor: 'metalflow' },
    ],
    memory: { total: 32 * gib, physical_mb: 32768 },
    system_vendor: { manufacturer: 'metalflow', product_name: 'simulated', serial_number: h.subarray(0, 6).toString('hex') },
    boot: { current_boot_mode: 'uefi', pxe_interface: sys.nics?.[0]?.mac ?? null },
    hostname: sys.name,
  };
  // Both disks hold an old partition table: cleaning must wipe it.
  return { inventory, disks: Object.fromEntries((inventory.disks ?? []).map((d) => [d.name, { partitionTable: true }])), poweredOff: false };
}
