/**
 * One benchmark run of metalflow: a private Temporal dev server, the host worker and the
 * boot-services worker as their own processes, and either the emulated Redfish lab (sushy-tools +
 * simulated agents) in this process or, with `driver: 'fake'`, the fake driver with 0 ms steps
 * (Ironic's fake-hardware: no BMC, no agent, no hardware time, so both sides run orchestration
 * alone). N hosts go register → inspect → clean + provision → deprovision (clean); figures come
 * from the hosts' operation history, the lab's record of simulated hardware time, the workflows'
 * histories and /proc.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { MetalflowClient } from '../src/client/metalflow-client.js';
import { HOST_WORKFLOW_TYPE, TaskQueue, deprovisionSignal, provisioningSemaphoreId, provisioningSemaphoreQuery } from '../src/contract/index.js';
import { maxOverlap, type Interval } from './concurrency.js';
import type { BareMetalHostStatus } from '../src/api/types.js';
import { freePort, startNodeWorker } from '../lab/processes.js';
import { startRedfishLab } from '../lab/redfish-lab.js';
import { LAB_FAKE_NO_TIME, labHosts, labManifest } from '../lab/lab-manifest.js';
import { DEV_SERVER_SQLITE_PRAGMAS, startTemporalDevServer, temporalCli } from '../lab/temporal-dev-server.js';
import { createKeys, readPublicKey } from '../src/secrets/key-store.js';
import { Sealer } from '../src/secrets/sealer.js';
import { countActions } from './history-actions.js';
import { processUsage, treeUsage, type ProcessUsage } from './measure.js';

export interface PhaseSample {
  phase: string;
  totalMs: number;
  overheadMs: number;
}

export interface RunResult {
  system: string;
  hosts: number;
  wallSeconds: number;
  phases: PhaseSample[];
  historyEvents: number[];
  actions: number[];
  usage: Record<string, ProcessUsage>;
  notes: string[];
  /**
   * Per host, the simulated hardware time (power delays, agent boots, steps) of its whole lifecycle:
   * the slowest host's figure is a floor for the wall time that no orchestration can go below.
   */
  hardwareSeconds?: number[];
  /** The provisioning limit and the most hosts seen in inspecting/provisioning/deprovisioning at once. */
  provisioning?: { limit: number; maxConcurrent: number; semaphoreMaxHolders?: number };
}

const NS = 'bench';
const log = (m: string): void => void process.stderr.write(`[metalflow] ${m}\n`);

/** What the hosts run on: the lab's hardware, or the fake driver with no hardware time. */
interface Hardware {
  manifest: string;
  hosts: Array<{ name: string; uuid: string }>;
  /** The simulated hardware time of a host in a window; absent where there is none (the fake driver). */
  hardwareMs?: (uuid: string, from: number, to: number) => number;
  usage(): Record<string, ProcessUsage>;
  notes: string[];
  stop(): Promise<void>;
}

export async function runMetalflow(hosts: number, opts: { keepDir?: boolean; trace?: boolean; historyDir?: string; workerExec?: string[]; serverMetricsFile?: string; limit?: number; sqliteDefault?: boolean; driver?: 'lab' | 'fake' } = {}): Promise<RunResult> {
  const limit = opts.limit ?? hosts;
  const dir = mkdtempSync(join(tmpdir(), 'metalflow-bench-'));
  const keyDir = join(dir, 'keys');
  createKeys(keyDir); // the run's own sealing keys, as `metalflow keys create` makes them
  const pragmas = opts.sqliteDefault ? [] : DEV_SERVER_SQLITE_PRAGMAS;
  const server = await startTemporalDevServer({ cli: temporalCli(), dataDir: dir, namespace: 'metalflow-bench', sqlitePragmas: pragmas });
  const apiPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    METALFLOW_DATA_DIR: dir,
    METALFLOW_SEAL_KEY_DIR: keyDir,
    METALFLOW_LOG_LEVEL: 'warn',
    // Every host at once by default, as Ironic (no limit) does in the side-by-side run; BMO's default is 20.
    METALFLOW_PROVISIONING_LIMIT: String(limit),
    METALFLOW_AGENT_API_HOST: '127.0.0.1',
    METALFLOW_AGENT_API_PORT: String(apiPort),
  };
  const stops: Array<() => Promise<void>> = [() => server.stop()];
  try {
    const boot = await startNodeWorker('src/worker/boot-main.ts', 'boot services worker started', join(dir, 'boot.log'), { ...env, METALFLOW_LOG_LEVEL: 'info' });
    stops.unshift(() => boot.stop());
    const worker = await startNodeWorker('src/worker/main.ts', 'host worker started', join(dir, 'worker.log'), { ...env, METALFLOW_LOG_LEVEL: 'info' }, opts.workerExec);
    stops.unshift(() => worker.stop());
    const lab: Hardware = opts.driver === 'fake' ? fakeHardware(hosts) : await redfishLab(hosts, join(dir, 'lab'), `http://127.0.0.1:${apiPort}`);
    stops.unshift(() => lab.stop());

    const connection = await Connection.connect({ address: server.address });
    const temporal = new Client({ connection, namespace: server.namespace });
    const client = await MetalflowClient.connect({ address: server.address, namespace: server.namespace }, Sealer.fromPublicKey(readPublicKey(keyDir)), TaskQueue.hosts);
    stops.unshift(async () => {
      await client.close();
      await connection.close();
    });
    const count = async (state: string): Promise<number> =>
      (await temporal.workflow.count(`WorkflowType = '${HOST_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND BmhNamespace = '${NS}' AND BmhState = '${state}' AND BmhErrorType = 'none'`)).count;
    const waitAll = async (state: string): Promise<void> => {
      for (let last = -1; ; ) {
        const n = await count(state);
        if (n !== last) log(`${n}/${hosts} ${state}`);
        last = n;
        if (n === hosts) return;
        await new Promise((r) => setTimeout(r, 2000));
      }
    };

    const t0 = Date.now();
    await client.apply([{ name: 'bench.yaml', text: lab.manifest }]);
    await waitAll('provisioned');
    // Straight to the workflows, 32 at a time (the CLI's signal first reads the host, a query that
    // timed out under the load of 1000 hosts on 2 cores).
    for (let i = 0; i < lab.hosts.length; i += 32) {
      await Promise.all(lab.hosts.slice(i, i + 32).map((h) => client.handle(NS, h.name).signal(deprovisionSignal)));
    }
    await waitAll('available');
    const tEnd = Date.now();
    const wallSeconds = (tEnd - t0) / 1000;
    const hardwareMs = lab.hardwareMs ?? ((): number => 0);

    const usage = {
      'host worker': treeUsage(worker.proc.pid ?? 0),
      'boot-services worker': treeUsage(boot.proc.pid ?? 0),
      'Temporal dev server': treeUsage(server.proc.pid ?? 0),
      ...lab.usage(),
    };
    const phases: PhaseSample[] = [];
    const historyEvents: number[] = [];
    const actions: number[] = [];
    const busy: Interval[] = [];
    for (const h of lab.hosts) {
      const status: BareMetalHostStatus = await client.status(NS, h.name);
      for (const [phase, m] of Object.entries(status.operationHistory)) {
        if (!m.start || !m.end) continue;
        const start = Date.parse(m.start);
        const end = Date.parse(m.end);
        phases.push({ phase, totalMs: end - start, overheadMs: end - start - hardwareMs(h.uuid, start, end) });
        if (phase !== 'register') busy.push({ start, end }); // inspect, provision, deprovision: the states that take a slot
      }
      const history = await client.handle(NS, h.name).fetchHistory();
      if (opts.trace && h === lab.hosts[0]) traceHistory(h.name, history.events ?? []);
      if (opts.historyDir) {
        mkdirSync(opts.historyDir, { recursive: true });
        writeFileSync(join(opts.historyDir, `${h.name}.json`), historyToJSON(history));
      }
      historyEvents.push(history.events?.length ?? 0);
      actions.push(countActions(history.events ?? []));
    }
    if (opts.serverMetricsFile) {
      // The dev server's own Prometheus metrics (persistence and matching requests by operation), to see where its CPU goes.
      const args = server.proc.spawnargs;
      const port = args[args.indexOf('--metrics-port') + 1];
      writeFileSync(opts.serverMetricsFile, await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    }
    const semaphore = await temporal.workflow.getHandle(provisioningSemaphoreId(TaskQueue.hosts)).query(provisioningSemaphoreQuery).catch(() => undefined);
    return {
      system: 'metalflow',
      provisioning: { limit, maxConcurrent: maxOverlap(busy), ...(semaphore ? { semaphoreMaxHolders: semaphore.maxHolders } : {}) },
      hosts,
      wallSeconds,
      ...(lab.hardwareMs ? { hardwareSeconds: lab.hosts.map((h) => hardwareMs(h.uuid, t0, tEnd) / 1000) } : {}),
      phases,
      historyEvents,
      actions,
      usage,
      notes: [
        ...lab.notes,
        `provisioning limit ${limit}; worker logs at info`,
        `Temporal dev server: SQLite file on ${dir}, ${pragmas.length ? `pragmas ${pragmas.join(', ')}` : 'SQLite default journal and sync (no pragmas)'}`,
      ],
    };
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    if (!opts.keepDir) (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
  }
}

async function redfishLab(hosts: number, dir: string, agentApi: string): Promise<Hardware> {
  const lab = await startRedfishLab({ hosts, dir, namespace: NS, agentApi, bootDelayMs: 2000, heartbeatMs: 10_000, durationMs: (c) => (c.includes('execute') ? 2000 : 20), withImage: () => true });
  return {
    manifest: lab.manifest,
    hosts: lab.hosts,
    hardwareMs: (uuid, from, to) => lab.fleet.hardwareMs(uuid, from, to),
    // The lab, not metalflow: the emulated BMCs, and this process (simulated agents, the client).
    usage: () => ({ 'lab: sushy-tools': treeUsage(lab.sushy.proc.pid ?? 0), 'lab: bench process (agents, client)': processUsage(process.pid) }),
    notes: ['sushy-tools Redfish (fake systems, 1-11 s power delays) + simulated IPA: agent boot 2 s, clean/deploy steps 2 s each'],
    stop: () => lab.stop(),
  };
}

function fakeHardware(count: number): Hardware {
  const hosts = labHosts(count, { kind: 'fake' });
  return {
    manifest: labManifest(hosts, NS, 'bench-password', () => true, LAB_FAKE_NO_TIME),
    hosts,
    usage: () => ({ 'bench process (client)': processUsage(process.pid) }),
    notes: [`fake driver in the host worker (like Ironic's fake-hardware): ${LAB_FAKE_NO_TIME}, so every second of a phase is orchestration`],
    stop: async () => undefined,
  };
}

/** One host's history as a timeline (seconds from the start, event, activity/timer), to see where time goes. */
function traceHistory(name: string, events: proto.temporal.api.history.v1.IHistoryEvent[]): void {
  const t = (e: (typeof events)[number]): number => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  const t0 = events[0] ? t(events[0]) : 0;
  const scheduled = new Map<string, string>();
  for (const e of events) {
    const type = (proto.temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
    let what = '';
    if (e.activityTaskScheduledEventAttributes) {
      what = e.activityTaskScheduledEventAttributes.activityType?.name ?? '';
      scheduled.set(String(e.eventId), what);
    }
    const ref = e.activityTaskCompletedEventAttributes?.scheduledEventId ?? e.activityTaskFailedEventAttributes?.scheduledEventId ?? e.activityTaskStartedEventAttributes?.scheduledEventId;
    if (ref) what = scheduled.get(String(ref)) ?? '';
    if (e.timerStartedEventAttributes) what = `${Number(e.timerStartedEventAttributes.startToFireTimeout?.seconds ?? 0)}s`;
    if (e.workflowExecutionSignaledEventAttributes) what = e.workflowExecutionSignaledEventAttributes.signalName ?? '';
    process.stderr.write(`[trace ${name}] ${((t(e) - t0) / 1000).toFixed(2).padStart(8)} ${type} ${what}\n`);
  }
}
