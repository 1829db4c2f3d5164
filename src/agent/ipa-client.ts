/**
 * Client for the Ironic Python Agent's REST API (IPA api/app.py), as Ironic's agent_client.py
 * calls it: `POST {callback_url}/v1/commands/?wait=…&agent_token=…` with `{name, params}`, polling
 * `GET …/v1/commands/` for async commands, one command at a time (409 "Agent is busy").
 * The callback URL is an opaque base URL: fake agents multiplex many hosts behind path prefixes.
 * The agent is not trusted: every request goes to that base (no redirect or agent-given URL is
 * followed, so the token goes nowhere else), answers are capped in size and time, and what it
 * says reaches errors (and so workflow history) only clipped.
 */
import { MetalflowError } from '../errors.js';
import { clip, PeerBodyTooLarge, PeerDeadlineExceeded, peerRequest } from '../net/peer-request.js';

/**
 * Largest agent answer read. The biggest real ones are `log.collect_system_logs` (the journal,
 * gzipped and base64-encoded: about a MiB) and the command list, which repeats every result.
 */
export const IPA_MAX_BODY_BYTES = 8 * 2 ** 20;
/** Most commands one `GET /v1/commands/` may list (an agent runs tens per boot). */
export const IPA_MAX_COMMANDS = 1024;

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
/** The agent's answer was refused: too large, too many commands, a redirect, or not an IPA answer. */
export class AgentResponseRefusedError extends MetalflowError {
  readonly nonRetryable = true;
}

/**
 * Early in an async command, between two polls. Short commands (a metadata erase, a small image
 * in the lab) end within seconds, so a first poll a whole interval later is pure overhead; the
 * extra GETs in the first seconds cost the agent little.
 */
export const FAST_AGENT_POLL_MS = 500;
/** How long after the command starts the fast polls last; then the configured interval (`pollMs`). */
export const FAST_AGENT_POLL_WINDOW_MS = 5_000;

/** The delay before the next poll, `elapsedMs` into a command: fast at first, never slower than `pollMs`. */
export function agentPollDelayMs(elapsedMs: number, pollMs: number): number {
  return elapsedMs < FAST_AGENT_POLL_WINDOW_MS ? Math.min(FAST_AGENT_POLL_MS, pollMs) : pollMs;
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
    const since = Date.now();
    const started = await this.post(name, params, false);
    const deadline = Date.now() + this.commandTimeoutMs;
    let current = started;
    while (current.command_status === 'RUNNING') {
      if (Date.now() > deadline) throw new AgentCommandFailedError(`${name} still running after ${Math.round(this.commandTimeoutMs / 1000)}s`, { command: name });
      this.opts.signal?.throwIfAborted();
      this.opts.onWait?.(current);
      await new Promise((r) => setTimeout(r, agentPollDelayMs(Date.now() - since, this.pollMs)));
      current = (await this.commands()).find((c) => c.id === started.id) ?? current;
    }
    return this.checked(current);
  }

  async commands(): Promise<CommandResult[]> {
    const body = await this.call('GET', this.url({}));
    const list = body !== null && typeof body === 'object' && !Array.isArray(body) ? ((body as { commands?: unknown }).commands ?? []) : undefined;
    if (!Array.isArray(list)) throw new AgentResponseRefusedError(`agent at ${this.base} listed commands that are not a list`, { url: this.base });
    if (list.length > IPA_MAX_COMMANDS) {
      throw new AgentResponseRefusedError(`agent at ${this.base} listed ${list.length} commands, more than ${IPA_MAX_COMMANDS}; refused`, { url: this.base, limit: IPA_MAX_COMMANDS });
    }
    return list.map((c) => this.result(c));
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
    return this.result(await this.call('POST', this.url({ wait: String(wait) }), { name, params }));
  }

  /** `value` if it is an IPA command result (the fields this client reads), else refused. */
  private result(value: unknown): CommandResult {
    const r = value as Partial<Record<keyof CommandResult, unknown>> | null;
    if (r === null || typeof r !== 'object' || Array.isArray(r) || typeof r.id !== 'string' || typeof r.command_name !== 'string' || typeof r.command_status !== 'string') {
      throw new AgentResponseRefusedError(`agent at ${this.base} answered something that is not a command result`, { url: this.base });
    }
    return r as CommandResult;
  }

  private checked(result: CommandResult): CommandResult {
    if (result.command_status === 'SUCCEEDED') return result;
    const e = result.command_error;
    // The agent's texts are clipped: they become the host's error message, in workflow history.
    const message = typeof e?.message === 'string' ? clip(e.message, 1000) : '';
    const details = typeof e?.details === 'string' ? clip(e.details, 1000) : '';
    const name = clip(result.command_name, 100);
    throw new AgentCommandFailedError(`agent command ${name} ${clip(result.command_status, 40).toLowerCase()}: ${message}${details ? `: ${details}` : ''}`, {
      command: name,
      error: e ? { ...(typeof e.type === 'string' ? { type: clip(e.type, 100) } : {}), ...(typeof e.code === 'number' ? { code: e.code } : {}), message, details } : null,
    });
  }

  private async call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
    let res;
    try {
      res = await peerRequest(new URL(url), {
        method,
        headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        timeoutMs: this.requestTimeoutMs,
        maxBodyBytes: IPA_MAX_BODY_BYTES,
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      });
    } catch (err) {
      if (err instanceof PeerBodyTooLarge) throw new AgentResponseRefusedError(`agent at ${this.base}: answer over ${IPA_MAX_BODY_BYTES} bytes; refused`, { url: this.base, limit: IPA_MAX_BODY_BYTES });
      throw new AgentUnreachableError(`agent at ${this.base} did not answer: ${(err as Error).message}`, { url: this.base, ...(err instanceof PeerDeadlineExceeded ? { code: 'DEADLINE' } : {}) });
    }
    const { status, text } = res;
    // Followed, a redirect would carry the agent token to wherever the agent points.
    if (status >= 300 && status < 400) throw new AgentResponseRefusedError(`agent at ${this.base} answered HTTP ${status} (a redirect); not followed`, { url: this.base, status });
    const json: unknown = text ? safeJson(text) : {};
    const faultstring = (json as { faultstring?: unknown } | null)?.faultstring;
    const fault = clip(typeof faultstring === 'string' ? faultstring : text);
    if (status === 409) throw new AgentBusyError(`agent is busy: ${fault}`, { url: this.base });
    if (status === 401) throw new AgentTokenRejectedError(`agent refused the token: ${fault}`, { url: this.base });
    if (status >= 500) throw new AgentUnreachableError(`agent error HTTP ${status}: ${fault}`, { url: this.base });
    if (status >= 400) throw new AgentCommandFailedError(`agent rejected the request (HTTP ${status}): ${fault}`, { url: this.base });
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
