/**
 * Runs Debian's `ipmitool -I lanplus` the way Ironic does: one command at a time per BMC with a
 * minimum interval between commands (Ironic min_command_interval, default 5 s: "setting this too low
 * may cause the BMC to crash"), bounded retries, and the password passed through the environment
 * (`-E` reads IPMI_PASSWORD), never on the command line or in logs.
 */
import { execTool } from '../../tools/child-process.js';
import { BmcAuthenticationError, BmcUnreachableError, IpmiCommandError } from '../../errors.js';

export interface IpmiTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  /** RMCP+ cipher suite; 3 = RAKP-HMAC-SHA1/HMAC-SHA1-96/AES-CBC-128 (without it ipmi_sim takes ~10 s a command). */
  cipherSuite: number;
  privilegeLevel: string;
}

export interface IpmitoolOptions {
  binary?: string;
  minIntervalMs?: number;
  attempts?: number;
  timeoutMs?: number;
}

/**
 * The command line: the password is not on it (`-E` takes it from IPMI_PASSWORD), so it never shows
 * in `ps` or logs. `-v` makes ipmitool say why a session failed (bad password vs no answer).
 */
export function ipmitoolArgv(t: Omit<IpmiTarget, 'password'>, args: string[]): string[] {
  return ['-v', '-I', 'lanplus', '-H', t.host, '-p', String(t.port), '-U', t.username, '-E', '-C', String(t.cipherSuite), '-L', t.privilegeLevel, '-R', '1', '-N', '2', ...args];
}

const lastCommandAt = new Map<string, number>();
const queues = new Map<string, Promise<unknown>>();

export class Ipmitool {
  private readonly binary: string;
  private readonly minIntervalMs: number;
  private readonly attempts: number;
  private readonly timeoutMs: number;

  constructor(
    readonly target: IpmiTarget,
    opts: IpmitoolOptions = {},
  ) {
    this.binary = opts.binary ?? 'ipmitool';
    this.minIntervalMs = opts.minIntervalMs ?? 5000;
    this.attempts = opts.attempts ?? 3;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  private get key(): string {
    return `${this.target.host}:${this.target.port}`;
  }

  /** Runs one ipmitool command (e.g. ['power', 'status']) and returns its stdout. */
  run(args: string[]): Promise<string> {
    const previous = queues.get(this.key) ?? Promise.resolve();
    const next = previous.then(() => this.withRetries(args), () => this.withRetries(args));
    queues.set(this.key, next.catch(() => undefined));
    return next;
  }

  private async withRetries(args: string[]): Promise<string> {
    let last: Error | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        return await this.once(args);
      } catch (err) {
        if (err instanceof BmcAuthenticationError) throw err; // retrying a refused password only locks accounts
        last = err as Error;
      }
    }
    throw last ?? new IpmiCommandError('ipmitool failed');
  }

  private async once(args: string[]): Promise<string> {
    const wait = (lastCommandAt.get(this.key) ?? 0) + this.minIntervalMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t = this.target;
    const argv = ipmitoolArgv(t, args);
    try {
      return await new Promise<string>((resolve, reject) => {
        // Only IPMI_PASSWORD (for -E) on top of a minimal environment: nothing else of the worker's.
        execTool(this.binary, argv, { env: { IPMI_PASSWORD: t.password }, timeoutMs: this.timeoutMs }, (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          const why = stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Loading IANA')).slice(-2).join(' / ');
          const where = `${t.host}:${t.port}`;
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new IpmiCommandError(`${this.binary} is not installed (apt-get install ipmitool)`));
          if (/RAKP 2 HMAC is invalid|unauthorized name|insufficient resources for session|Invalid user name/i.test(stderr)) {
            return reject(new BmcAuthenticationError(`IPMI BMC ${where} refused the credentials: bad credentials (${why})`, { bmc: where }));
          }
          if (/Unable to establish|Get Auth Capabilities error|timeout|No response/i.test(stderr) || err.killed) {
            return reject(new BmcUnreachableError(`IPMI BMC ${where} did not answer (${why || 'timeout'})`, { bmc: where }));
          }
          reject(new IpmiCommandError(`ipmitool ${args.join(' ')} failed on ${where}: ${why || err.message}`, { bmc: where, args }));
        });
      });
    } finally {
      lastCommandAt.set(this.key, Date.now());
    }
  }
}
