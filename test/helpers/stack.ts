/**
 * A test stack on the suite's real Temporal dev server: host worker processes (real `node`
 * processes, so they can be SIGKILLed), a client, and the `temporal` CLI.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, inject } from 'vitest';
import { MetalflowClient } from '../../src/client/metalflow-client.js';
import { FakeHardware, type FakeMachineState } from '../../src/bmc/fake/fake-hardware.js';
import { createKeys, readPublicKey } from '../../src/secrets/key-store.js';
import { Sealer } from '../../src/secrets/sealer.js';
import { startNodeWorker, type WorkerProcess } from '../../lab/processes.js';
import { removeTempDir } from './temp-dir.js';

const run = promisify(execFile);

export class TestStack {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'metalflow-it-'));
  /** The run's own sealing keys, made as an operator would (`metalflow keys create`): workers open, the client only seals. */
  readonly keyDir = join(this.dataDir, 'keys');
  readonly sealingKeyId = createKeys(this.keyDir);
  readonly address = inject('temporalAddress');
  readonly namespace = inject('temporalNamespace');
  readonly temporalCli = inject('temporalCli');
  readonly workers: WorkerProcess[] = [];
  /** Each stack has its own task queue: a straggling worker of another test file can never take its work. */
  readonly taskQueue = `metalflow-hosts-${Math.random().toString(36).slice(2, 10)}`;
  client!: MetalflowClient;

  constructor(private readonly workerEnv: Record<string, string> = {}) {}

  env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      TEMPORAL_ADDRESS: this.address,
      TEMPORAL_NAMESPACE: this.namespace,
      METALFLOW_DATA_DIR: this.dataDir,
      METALFLOW_SEAL_KEY_DIR: this.keyDir,
      METALFLOW_FAKE_STEP: '200ms',
      METALFLOW_TASK_QUEUE: this.taskQueue,
      ...this.workerEnv,
    };
  }

  async start(): Promise<this> {
    await this.startWorker();
    this.client = await MetalflowClient.connect({ address: this.address, namespace: this.namespace }, Sealer.fromPublicKey(readPublicKey(this.keyDir)), this.taskQueue);
    return this;
  }

  /** Starts a worker process: the host worker, or another entry point (e.g. the boot-services worker). */
  async startWorker(entry = 'src/worker/main.ts', readyLine = 'host worker started', env: Record<string, string> = {}): Promise<WorkerProcess> {
    const w = await startNodeWorker(entry, readyLine, join(this.dataDir, `worker-${this.workers.length}.log`), { ...this.env(), ...env });
    this.workers.push(w);
    return w;
  }

  /** Runs the real `temporal` CLI against the test server. */
  async temporal(args: string[]): Promise<string> {
    const { stdout } = await run(this.temporalCli, [...args, '--address', this.address, '--namespace', this.namespace], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  }

  /** Runs our CLI as a user would. */
  async metalflow(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['bin/metalflow.js', ...args], { env: { ...this.env(), ...env } }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  fakeState(namespace: string, name: string): FakeMachineState | undefined {
    return FakeHardware.read(join(this.dataDir, 'fake-hardware'), `${namespace}/${name}`);
  }

  workerLogs(): string {
    return this.workers.map((w) => readFileSync(w.logFile, 'utf8')).join('\n');
  }

  async stop(): Promise<void> {
    try {
      await Promise.all(this.workers.map((w) => w.stop()));
      await this.client?.close().catch(() => undefined);
    } finally {
      removeTempDir(this.dataDir);
    }
  }
}

/** Builds a manifest: one credentials Secret plus hosts with the fake driver. */
export function fakeHostsManifest(
  namespace: string,
  hosts: Array<{ name: string; image?: boolean; annotations?: Record<string, string>; online?: boolean; userData?: string; hardwareProfile?: string }>,
  opts: { password?: string } = {},
): string {
  const docs = [
    `apiVersion: v1
kind: Secret
metadata:
  name: bmc-creds
  namespace: ${namespace}
type: Opaque
stringData:
  username: admin
  password: ${opts.password ?? 'SuperSecretBmcPassword'}`,
  ];
  for (const h of hosts) {
    if (h.userData) {
      docs.push(`apiVersion: v1
kind: Secret
metadata:
  name: ${h.name}-userdata
  namespace: ${namespace}
data:
  userData: ${Buffer.from(h.userData).toString('base64')}`);
    }
    const annotations = Object.entries(h.annotations ?? {}).map(([k, v]) => `\n    ${k}: "${v}"`).join('');
    docs.push(`apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: ${h.name}
  namespace: ${namespace}${annotations ? `\n  annotations:${annotations}` : ''}
spec:
  online: ${h.online ?? true}
  bmc:
    address: fake://${h.name}
    credentialsName: bmc-creds${h.image ? `
  image:
    url: http://images.test.invalid/${h.name}.qcow2
    checksum: http://images.test.invalid/${h.name}.qcow2.sha256sum
    checksumType: sha256
    format: qcow2` : ''}${h.userData ? `
  userData:
    name: ${h.name}-userdata` : ''}${h.hardwareProfile ? `
  hardwareProfile: ${h.hardwareProfile}` : ''}`);
  }
  return docs.join('\n---\n') + '\n';
}

/** A TestStack started before the file's tests and stopped after them (even when they fail). */
export function useTestStack(workerEnv: Record<string, string> = {}): TestStack {
  const stack = new TestStack(workerEnv);
  beforeAll(async () => {
    await stack.start();
  });
  afterAll(async () => {
    await stack.stop();
  });
  return stack;
}
