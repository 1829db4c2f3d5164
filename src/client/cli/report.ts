/**
 * How an error ends the CLI: exit 2 for a wrong command line, 1 for anything else, and one clear
 * message either way. The stack is for developers: only with METALFLOW_DEBUG=1.
 */
import { InvalidDurationError } from '../../api/go-duration.js';
import { InvalidLabelSelectorError } from '../../api/label-selector.js';
import { UsageError } from './args.js';

export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

export interface ErrorReport {
  code: number;
  /** What goes to stderr, ending in a newline. */
  text: string;
}

const isUsage = (err: unknown): boolean => err instanceof UsageError || err instanceof InvalidDurationError || err instanceof InvalidLabelSelectorError;

/** The message of an error, its causes' when it has none of its own (gRPC errors, for one). */
function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.message) return err.message;
  return err.cause !== undefined ? messageOf(err.cause) : err.name;
}

export function reportError(err: unknown, opts: { debug: boolean; usageHint: string }): ErrorReport {
  const code = isUsage(err) ? ExitCode.usage : ExitCode.failed;
  const detail = opts.debug && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  const hint = code === ExitCode.usage ? `\n${opts.usageHint}` : '';
  return { code, text: `error: ${messageOf(err)}${detail}${hint}\n` };
}
