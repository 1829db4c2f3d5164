/** Command-line parsing: flags, per-command flag checks, durations and selectors as usage errors. */
import { parseArgs } from 'node:util';
import { InvalidDurationError, goDurationMs } from '../../api/go-duration.js';
import { parseLabelSelector, type Requirement } from '../../api/label-selector.js';
import { COMMANDS, type Flag } from './commands.js';

/** The command line is wrong: exit 2 and the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** kubectl's `wait --timeout=-1s` means "a week". */
export const NEGATIVE_TIMEOUT_MS = 7 * 24 * 3_600_000;

const OPTIONS = {
  filename: { type: 'string', short: 'f', multiple: true },
  'dry-run': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  selector: { type: 'string', short: 'l' },
  namespace: { type: 'string', short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  for: { type: 'string' },
  timeout: { type: 'string' },
  interval: { type: 'string' },
  hard: { type: 'boolean' },
  force: { type: 'boolean' },
  wait: { type: 'boolean' },
  'if-missing': { type: 'boolean' },
  overwrite: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export type CliValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

export interface CommandLine {
  command: string | undefined;
  args: string[];
  values: CliValues;
}

export function parseCommandLine(argv: string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // node:util's texts are long and name Node internals; say it the way kubectl does.
    const code = (err as { code?: unknown }).code;
    const unknown = /Unknown option '([^']+)'/.exec(String((err as Error).message));
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) throw new UsageError(`unknown flag: ${unknown[1]}`);
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message.split('\n')[0] ?? 'invalid arguments');
    throw err;
  }
  const [command, ...args] = parsed.positionals;
  const values = parsed.values;
  const def = command ? COMMANDS[command] : undefined;
  if (def) {
    for (const flag of Object.keys(values) as Flag[]) {
      if (flag !== 'help' && flag !== 'version' && !def.flags.includes(flag)) throw new UsageError(`${command}: unknown flag: --${flag}`);
    }
  }
  return { command, args, values };
}

/** A Go duration flag in milliseconds; Go's own message on error, as a usage error. */
export function durationFlag(flag: string, text: string): number {
  try {
    return goDurationMs(text);
  } catch (err) {
    if (err instanceof InvalidDurationError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

/** `--timeout` as kubectl reads it: 0 checks once, a negative value waits a week. */
export function timeoutFlag(text: string | undefined, fallback = '10m'): number {
  const ms = durationFlag('--timeout', text ?? fallback);
  return ms < 0 ? NEGATIVE_TIMEOUT_MS : ms;
}

/** `--interval`: must be positive (a zero interval would spin on the server). */
export function intervalFlag(text: string | undefined, fallback = '2s'): number {
  const ms = durationFlag('--interval', text ?? fallback);
  if (ms <= 0) throw new UsageError(`--interval: must be positive, got "${text}"`);
  return ms;
}

/** `-l`: a bad selector is a usage error (its message names the selector and the problem). */
export function selectorFlag(text: string | undefined): Requirement[] | undefined {
  if (text === undefined) return undefined;
  return parseLabelSelector(text);
}
