/**
 * Client for the Ironic Python Agent's REST API (IPA api/app.py), as Ironic's agent_client.py
 * calls it: `POST {callback_url}/v1/commands/?wait=…&agent_token=…` with `{name, params}`, polling
 * `GET …/v1/commands/` for async commands, one command at a time (409 "Agent is busy").
 * The callback URL is an opaque base URL: fake agents multiplex many hosts behind path prefixes.
 */
import { request } from 'undici';
import { MetalflowError } from '../errors.js';

export type CommandStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CLEAN_VERSION_MISMATCH';

export interface CommandResult {
  id: string;
  command_name: string;
  command_status: CommandStatus;
  command_error: null | { type?: string; code?: number; message?: string; details?: string };
  command_result: null | Record<string, unknown>;
}

/** The agent is running another command; Ironic retries later. */
export class AgentBusyError extends MetalflowError {
  readonly nonRetryable = false;
}
/** The agent did not answer (booting, rebooting, network). */
export class AgentUnreachableError extends MetalflowError {
  readonly nonRetryable = false;
}
/** The agent refused our token (another boot's agent, or a token mix-up). */
export class AgentTokenRejectedError extends MetalflowError {
  readonly nonRetryable = true;
}
/** A command ran and failed on the agent. */
export class AgentCommandFailedError extends MetalflowError {
  readonly nonRetryable = true;
}

export interface IpaClientOptions {
  /** Ironic [agent]command_timeout: 60 s per HTTP call. */
  requestTimeoutMs?: number;
  /** Between polls of a running async command (Ironic command_wait_interval: 6 s). */
  pollMs?: number;
  /** Give up on a running command after this long. */
  commandTimeoutMs?: number;
  /** Called while waiting (activities heartbeat to Temporal here). */
  onWait?: (command: CommandResult) => void;
  signal?: AbortSignal;
}

export class IpaClient {
  private readonly base: string;
  private readonly requestTimeoutMs: number;
  private readonly pollMs: number;
  private readonly commandTimeoutMs: number;

  constructor(
    callbackUrl: string,
    private readonly token: string | undefined,
    private readonly opts: IpaClientOptions = {},
  ) {
    this.base = `${callbackUrl.replace(/\/+$/, '')}/v1/commands/`;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.pollMs = opts.pollMs ?? 6_000;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 30 * 60_000;
  }

  /** Runs a synchronous command (Ironic passes wait=true) and returns its result. */
  async runSync(name: string, params: Record<string, unknown> = {}): Promise<CommandResult> {
    return this.checked(await this.post(name, params, true));
  }

  /** Starts an async command and polls until it is no longer RUNNING. */
  async runAsync(name: string, params: Record<string, unknown> = {}): Promise<CommandResult> {
    const started = await this.post(name, params, false);
    const deadline = Date.now() + this.commandTimeoutMs;
    let current = started;
    while (current.command_status === 'RUNNING') {
      if (Date.now() > deadline) throw new AgentCommandFailedError(`${name} still running after ${Math.round(this.commandTimeoutMs / 1000)}s`, { command: name });
      this.opts.signal?.throwIfAborted();
      this.opts.onWait?.(current);
      await new Promise((r) => setTimeout(r, this.pollMs));
      current = (await this.commands()).find((c) => c.id === started.id) ?? current;
    }
    return this.checked(current);
  }

  async commands(): Promise<CommandResult[]> {
    const body = (await this.call('GET', this.url({}))) as { commands?: CommandResult[] };
    return body.commands ?? [];
  }

  // ---- the commands Ironic sends (agent_client.py)
  getCleanSteps(node: Record<string, unknown>, ports: unknown[] = []): Promise<CommandResult> {
    return this.runSync('clean.get_clean_steps', { node, ports });
  }
  executeCleanStep(step: Record<string, unknown>, node: Record<string, unknown>, cleanVersion: Record<string, unknown>, ports: unknown[] = []): Promise<CommandResult> {
    return this.runAsync('clean.execute_clean_step', { step, node, ports, clean_version: cleanVersion });
  }
  getDeploySteps(node: Record<string, unknown>, ports: unknown[] = []): Promise<CommandResult> {
    return this.runSync('deploy.get_deploy_steps', { node, ports });
  }
  executeDeployStep(step: Record<string, unknown>, node: Record<string, unknown>, deployVersion: Record<string, unknown>, ports: unknown[] = []): Promise<CommandResult> {
    return this.runAsync('deploy.execute_deploy_step', { step, node, ports, deploy_version: deployVersion });
  }
  getPartitionUuids(): Promise<CommandResult> {
    return this.runSync('standby.get_partition_uuids');
  }
  installBootloader(params: { root_uuid?: string | null; efi_system_part_uuid?: string | null; prep_boot_part_uuid?: string | null; target_boot_mode: 'uefi' | 'bios' }): Promise<CommandResult> {
    return this.runAsync('image.install_bootloader', params);
  }
  powerOff(): Promise<CommandResult> {
    return this.runAsync('standby.power_off');
  }
  collectSystemLogs(): Promise<CommandResult> {
    return this.runSync('log.collect_system_logs');
  }

  // ---- transport
  private url(query: Record<string, string>): string {
    const q = new URLSearchParams({ ...query, ...(this.token ? { agent_token: this.token } : {}) });
    const s = q.toString();
    return s ? `${this.base}?${s}` : this.base;
  }

  private async post(name: string, params: Record<string, unknown>, wait: boolean): Promise<CommandResult> {
    return (await this.call('POST', this.url({ wait: String(wait) }), { name, params })) as CommandResult;
  }

  private checked(result: CommandResult): CommandResult {
    if (result.command_status === 'SUCCEEDED') return result;
    const e = result.command_error;
    throw new AgentCommandFailedError(`agent command ${result.command_name} ${result.command_status.toLowerCase()}: ${e?.message ?? ''}${e?.details ? `: ${e.details}` : ''}`, {
      command: result.command_name,
      error: e,
    });
  }

  private async call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
    let res;
    try {
      res = await request(url, {
        method,
        headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        headersTimeout: this.requestTimeoutMs,
        bodyTimeout: this.requestTimeoutMs,
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      });
    } catch (err) {
      throw new AgentUnreachableError(`agent at ${this.base} did not answer: ${(err as Error).message}`, { url: this.base });
    }
    const text = await res.body.text();
    const json: unknown = text ? safeJson(text) : {};
    const fault = (json as { faultstring?: string }).faultstring ?? text.slice(0, 200);
    if (res.statusCode === 409) throw new AgentBusyError(`agent is busy: ${fault}`, { url: this.base });
    if (res.statusCode === 401) throw new AgentTokenRejectedError(`agent refused the token: ${fault}`, { url: this.base });
    if (res.statusCode >= 500) throw new AgentUnreachableError(`agent error HTTP ${res.statusCode}: ${fault}`, { url: this.base });
    if (res.statusCode >= 400) throw new AgentCommandFailedError(`agent rejected the request (HTTP ${res.statusCode}): ${fault}`, { url: this.base });
    return json;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
