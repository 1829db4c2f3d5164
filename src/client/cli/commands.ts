/**
 * The CLI's commands: usage line, summary and the flags each takes. `--help` prints from here,
 * and a flag a command does not take is a usage error (kubectl: `unknown flag`).
 */

export type Flag =
  | 'filename' | 'dry-run' | 'output' | 'selector' | 'namespace' | 'all-namespaces' | 'for' | 'timeout'
  | 'interval' | 'hard' | 'force' | 'wait' | 'if-missing' | 'overwrite' | 'help' | 'version';

/** Flag texts for help, kubectl-style: `-o, --output FORMAT   what it does`. */
export const FLAG_HELP: Record<Flag, [string, string]> = {
  filename: ['-f, --filename FILE|DIR|-', 'manifest file, directory (its *.yaml, *.yml, *.json; not subfolders) or stdin; repeatable'],
  'dry-run': ['--dry-run', 'parse and validate only: no server, nothing applied'],
  output: ['-o, --output FORMAT', 'get: wide, json, yaml or name; apply: name'],
  selector: ['-l, --selector SELECTOR', 'label selector: k=v, k==v, k!=v, k in (a,b), k notin (a,b), k, !k; comma = AND'],
  namespace: ['-n, --namespace NS', 'BareMetalHost namespace (default: METALFLOW_HOST_NAMESPACE or "default"); apply: every object must be in it'],
  'all-namespaces': ['-A, --all-namespaces', 'all namespaces'],
  for: ['--for CONDITION', 'state=S, operationalStatus=S, errorType=T, poweredOn=true|false, or delete'],
  timeout: ['--timeout DURATION', 'how long to wait (Go duration: 90s, 1m30s, 1.5h; default 10m; 0 = check once; negative = a week)'],
  interval: ['--interval DURATION', 'refresh interval (Go duration, default 2s)'],
  hard: ['--hard', 'hard reboot (power cycle) instead of a soft one'],
  force: ['--force', 'detach even while an operation is in progress'],
  wait: ['--wait', 'wait until the requested change is done (see --timeout); exit 1 if it fails or times out'],
  'if-missing': ['--if-missing', 'succeed when keys already exist'],
  overwrite: ['--overwrite', 'replace an annotation that already has a value (kubectl annotate)'],
  help: ['-h, --help', 'this help'],
  version: ['--version', 'the version and the Temporal address it would use'],
};

export interface Command {
  usage: string;
  summary: string;
  flags: Flag[];
}

const NS: Flag[] = ['namespace'];
const WAIT: Flag[] = ['wait', 'timeout'];

export const COMMANDS: Record<string, Command> = {
  apply: { usage: 'apply -f FILE|DIR|- [-f ...] [-n NS] [--dry-run] [-o name] [--wait [--timeout 10m]]', summary: 'create or update hosts from Metal3 manifests', flags: ['filename', 'dry-run', 'output', ...NS, ...WAIT] },
  get: { usage: 'get [NAME] [-o wide|json|yaml|name] [-l SELECTOR] [-A]', summary: 'list hosts (kubectl get bmh columns)', flags: ['output', 'selector', ...NS, 'all-namespaces'] },
  describe: { usage: 'describe NAME', summary: 'status, hardware, history, error, current step', flags: NS },
  wait: { usage: 'wait NAME --for state=S|operationalStatus=S|errorType=T|poweredOn=B|delete [--timeout 10m]', summary: 'wait for a condition', flags: ['for', 'timeout', ...NS] },
  watch: { usage: 'watch [-l SELECTOR] [-A] [--interval 2s]', summary: 'live table', flags: ['selector', ...NS, 'all-namespaces', 'interval'] },
  deprovision: { usage: 'deprovision NAME [--wait]', summary: 'remove the image: clean and return to available', flags: [...NS, ...WAIT] },
  power: { usage: 'power on|off NAME [--wait]', summary: 'set spec.online', flags: [...NS, ...WAIT] },
  reboot: { usage: 'reboot NAME [--hard] [--wait]', summary: 'reboot (soft unless --hard)', flags: ['hard', ...NS, ...WAIT] },
  inspect: { usage: 'inspect NAME [--wait]', summary: 're-inspect (when available)', flags: [...NS, ...WAIT] },
  retry: { usage: 'retry NAME [--wait]', summary: 'cut the error backoff short, try now', flags: [...NS, ...WAIT] },
  detach: { usage: 'detach NAME [--force] [--wait]', summary: 'stop managing the host, leave it as it is', flags: ['force', ...NS, ...WAIT] },
  annotate: { usage: 'annotate NAME KEY=VALUE ... | KEY- ... [--overwrite]', summary: 'edit the host\'s annotations (kubectl annotate)', flags: ['overwrite', ...NS] },
  attach: { usage: 'attach NAME [--wait]', summary: 'manage a detached host again (re-registers it)', flags: [...NS, ...WAIT] },
  pause: { usage: 'pause NAME', summary: 'stop acting on the host until resumed', flags: NS },
  resume: { usage: 'resume NAME', summary: 'act on the host again', flags: NS },
  delete: { usage: 'delete NAME [--wait [--timeout 10m]]', summary: 'deprovision and forget the host', flags: [...NS, ...WAIT] },
  keys: { usage: 'keys create [--if-missing] | keys public | keys rotate', summary: 'the sealing keys (create: where the workers run; public: all a client needs to apply; rotate: a new key, old ones keep opening)', flags: ['if-missing'] },
  version: { usage: 'version', summary: 'the version and the Temporal address and namespace it would use (no connection)', flags: [] },
  help: { usage: 'help [COMMAND]', summary: 'this help, or a command\'s', flags: [] },
};

export const ENVIRONMENT = `Environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (metalflow), TEMPORAL_TLS_CERT,
  TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA, TEMPORAL_API_KEY, METALFLOW_DATA_DIR (.metalflow),
  METALFLOW_SEAL_KEY_DIR ($METALFLOW_DATA_DIR/keys), METALFLOW_SEAL_PUBLIC_KEY(_FILE) (the output of keys public),
  METALFLOW_DEBUG=1 (print stack traces)`;

const column = (rows: Array<[string, string]>): string => {
  const width = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(width)}   ${b}`).join('\n');
};

export function usage(): string {
  return `metalflow — bare-metal hosts on Temporal

Usage: metalflow <command> [options]

Commands:
${column(Object.entries(COMMANDS).map(([name, c]) => [name, c.summary]))}

Use "metalflow <command> --help" for a command's usage and options.
Common options: -n NAMESPACE (BareMetalHost namespace, default "default"), -A (all namespaces)
Durations are Go's (kubectl's): 300ms, 90s, 1m30s, 1.5h. Exit codes: 0 ok, 1 failed, 2 usage error.
${ENVIRONMENT}`;
}

export function commandHelp(name: string): string | undefined {
  const c = COMMANDS[name];
  if (!c) return undefined;
  const flags = [...c.flags, 'help' as const].map((f) => FLAG_HELP[f]);
  return `${c.summary}

Usage: metalflow ${c.usage}

Options:
${column(flags)}`;
}
