/**
 * `metalflow`: the operator CLI (kubectl-like verbs over the host workflows).
 * Configuration comes from the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_*,
 * TEMPORAL_API_KEY, METALFLOW_SEAL_PUBLIC_KEY(_FILE), METALFLOW_DATA_DIR / METALFLOW_SEAL_KEY_DIR,
 * METALFLOW_TEMPORAL_UI.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ManifestSource } from '../../api/manifest.js';
import { parseDurationMs } from '../../api/durations.js';
import { cliSettingsFromEnv } from '../../config/cli-settings.js';
import { temporalConfigFromEnv } from '../../config/temporal.js';
import { hostTaskQueueFromEnv, sealKeyDirFromEnv, sealPublicKeySourcesFromEnv } from '../../config/worker-settings.js';
import { OperatorSignal, type HostView } from '../../contract/index.js';
import { KeysExistError, SealingKeyError, createKeys, findPublicKey, rotateKeys } from '../../secrets/key-store.js';
import { InvalidSealingKeyError, Sealer, formatSealingPublicKey } from '../../secrets/sealer.js';
import { HostNotFoundError, InvalidManifestError, TemporalUnreachableError } from '../errors.js';
import { MetalflowClient, loadManifests } from '../metalflow-client.js';
import { asJson, asYaml, describeText, hostsTable } from './format.js';
import { parseAnnotationEdits } from '../../api/annotations.js';

const USAGE = `metalflow — bare-metal hosts on Temporal

Usage: metalflow <command> [options]

  apply -f FILE|DIR|- [-f ...] [--dry-run]   create or update hosts from Metal3 manifests
  get [NAME] [-o wide|json|yaml] [-A]        list hosts (kubectl get bmh columns)
  describe NAME                              status, hardware, history, error, current step
  wait NAME --for state=S|operationalStatus=S|delete [--timeout 10m]
  watch [--interval 2s]                      live table
  deprovision NAME                           remove the image: clean and return to available
  power on|off NAME                          set spec.online
  reboot NAME [--hard]
  inspect NAME                               re-inspect (when available)
  retry NAME                                 cut the error backoff short, try now
  detach NAME [--force] | attach NAME
  pause NAME | resume NAME
  annotate NAME KEY=VALUE ... | KEY- ... [--overwrite]   edit annotations (kubectl annotate)
  delete NAME [--wait] [--timeout 10m]
  keys create [--if-missing]                 create the sealing keys (where the workers run; never overwrites)
  keys public                                print the sealing public key (all a client needs to apply)
  keys rotate                                a new sealing key; old private keys keep opening

Common options: -n NAMESPACE (BareMetalHost namespace, default "default"), -A (all namespaces)
Environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (metalflow), TEMPORAL_TLS_CERT,
  TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA, TEMPORAL_API_KEY, METALFLOW_DATA_DIR (.metalflow),
  METALFLOW_SEAL_KEY_DIR ($METALFLOW_DATA_DIR/keys), METALFLOW_SEAL_PUBLIC_KEY(_FILE) (the output of keys public)`;

class UsageError extends Error {}

/** Commands that are one signal without an argument. */
const SIMPLE_SIGNALS = {
  deprovision: OperatorSignal.deprovision,
  inspect: OperatorSignal.inspect,
  retry: OperatorSignal.retry,
  attach: OperatorSignal.attach,
  pause: OperatorSignal.pause,
  resume: OperatorSignal.resume,
} as const;

const options = {
  filename: { type: 'string', short: 'f', multiple: true },
  'dry-run': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
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
} as const;

function readSources(paths: string[]): ManifestSource[] {
  const sources: ManifestSource[] = [];
  for (const p of paths) {
    if (p === '-') {
      sources.push({ name: '<stdin>', text: readFileSync(0, 'utf8') });
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`cannot read ${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) sources.push({ name: join(p, f), text: readFileSync(join(p, f), 'utf8') });
    } else sources.push({ name: p, text: readFileSync(p, 'utf8') });
  }
  return sources;
}

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return command || values.help ? 0 : 2;
  }
  const cli = cliSettingsFromEnv();
  const namespace = values.namespace ?? cli.hostNamespace;
  const needName = (): string => {
    const name = command === 'power' ? args[1] : args[0];
    if (!name) throw new UsageError(`${command}: missing host NAME`);
    return name;
  };

  if (command === 'keys') return keys(args[0], values['if-missing'] === true);

  // Dry run needs no server and no key: same parsing and validation, nothing sent.
  if (command === 'apply' && values['dry-run']) {
    if (!values.filename?.length) throw new UsageError('apply: -f FILE is required');
    const { hosts, warnings } = loadManifests(readSources(values.filename));
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    for (const h of hosts) out(`baremetalhost.metal3.io/${h.host.metadata.name} valid (dry run)`);
    return 0;
  }
  if (command === 'apply' && !values.filename?.length) throw new UsageError('apply: -f FILE is required');
  const known = ['apply', 'get', 'describe', 'wait', 'watch', 'deprovision', 'power', 'reboot', 'inspect', 'retry', 'detach', 'attach', 'pause', 'resume', 'delete', 'annotate'];
  if (!known.includes(command)) throw new UsageError(`unknown command "${command}"`);

  // apply seals with the public key only, and never creates one: no key found is an error saying where it looked.
  const sealer = command === 'apply' ? Sealer.fromPublicKey(findPublicKey(sealPublicKeySourcesFromEnv())) : undefined;
  const client = await MetalflowClient.connect(temporalConfigFromEnv(), sealer, hostTaskQueueFromEnv());
  try {
    switch (command) {
      case 'apply': {
        const result = await client.apply(readSources(values.filename ?? []));
        for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
        for (const h of result.hosts) out(`baremetalhost.metal3.io/${h.name} ${h.result}`);
        return 0;
      }
      case 'get': {
        const all = values['all-namespaces'] === true;
        const views: HostView[] = args[0] ? [await client.view(namespace, args[0])] : await client.list(all ? undefined : namespace);
        const single = Boolean(args[0]);
        if (values.output === 'json') out(asJson(views, single));
        else if (values.output === 'yaml') out(asYaml(views, single));
        else if (values.output === undefined || values.output === 'wide') {
          if (views.length === 0) process.stderr.write(`No hosts found${all ? '' : ` in ${namespace} namespace`}.\n`);
          else out(hostsTable(views, { wide: values.output === 'wide', allNamespaces: all }));
        } else throw new UsageError(`-o ${values.output}: expected wide, json or yaml`);
        return 0;
      }
      case 'describe':
        out(describeText(await client.describe(namespace, needName()), cli.temporalUi(client.config.namespace)));
        return 0;
      case 'wait': {
        const name = needName();
        const cond = values.for ?? '';
        const timeoutMs = parseDurationMs(values.timeout ?? '10m');
        if (cond === 'delete') {
          await client.waitDeleted(namespace, name, timeoutMs);
          out(`baremetalhost.metal3.io/${name} deleted`);
          return 0;
        }
        const m = /^(state|operationalStatus|errorType|poweredOn)=(.*)$/.exec(cond);
        if (!m) throw new UsageError('wait: --for must be state=S, operationalStatus=S, errorType=T, poweredOn=true|false or delete');
        const [, field, want] = m;
        const pick = (v: HostView): string =>
          field === 'state' ? v.status.provisioning.state : field === 'poweredOn' ? String(v.status.poweredOn) : String(v.status[field as 'operationalStatus' | 'errorType']);
        await client.waitFor(namespace, name, (v) => pick(v) === want, timeoutMs);
        out(`baremetalhost.metal3.io/${name} condition met (${field}=${want})`);
        return 0;
      }
      case 'watch': {
        const intervalMs = parseDurationMs(values.interval ?? '2s');
        const all = values['all-namespaces'] === true;
        for (;;) {
          const views = await client.list(all ? undefined : namespace);
          process.stdout.write('\x1b[2J\x1b[H');
          out(`${new Date().toISOString()}  (Ctrl-C to stop)\n`);
          out(views.length ? hostsTable(views, { allNamespaces: all }) : 'No hosts found.');
          await new Promise((r) => setTimeout(r, intervalMs));
        }
      }
      case 'power': {
        const dir = args[0];
        if (dir !== 'on' && dir !== 'off') throw new UsageError('power: expected "on" or "off"');
        const name = needName();
        await client.signal(namespace, name, dir === 'on' ? OperatorSignal.powerOn : OperatorSignal.powerOff);
        out(`baremetalhost.metal3.io/${name} power ${dir} requested`);
        return 0;
      }
      case 'reboot': {
        const name = needName();
        await client.signal(namespace, name, OperatorSignal.reboot, { mode: values.hard ? 'hard' : 'soft' });
        out(`baremetalhost.metal3.io/${name} ${values.hard ? 'hard' : 'soft'} reboot requested`);
        return 0;
      }
      case 'detach': {
        const name = needName();
        await client.signal(namespace, name, OperatorSignal.detach, { force: values.force === true });
        out(`baremetalhost.metal3.io/${name} detach requested`);
        return 0;
      }
      case 'annotate': {
        const name = needName();
        let edits;
        try {
          edits = parseAnnotationEdits(args.slice(1));
        } catch (err) {
          throw new UsageError(`annotate: ${(err as Error).message}`);
        }
        if (edits.length === 0) throw new UsageError('annotate: at least one KEY=VALUE or KEY- is required');
        const r = await client.annotate(namespace, name, edits, values.overwrite === true);
        out(`baremetalhost.metal3.io/${name} ${r.changed ? 'annotated' : 'unchanged'}`);
        return 0;
      }
      case 'delete': {
        const name = needName();
        await client.signal(namespace, name, OperatorSignal.delete);
        out(`baremetalhost.metal3.io/${name} delete requested`);
        if (values.wait) {
          await client.waitDeleted(namespace, name, parseDurationMs(values.timeout ?? '10m'));
          out(`baremetalhost.metal3.io/${name} deleted`);
        }
        return 0;
      }
      default: {
        // deprovision, inspect, retry, attach, pause, resume: one signal each.
        const signal = SIMPLE_SIGNALS[command as keyof typeof SIMPLE_SIGNALS];
        if (!signal) throw new UsageError(`unknown command "${command}"`);
        const name = needName();
        await client.signal(namespace, name, signal);
        out(`baremetalhost.metal3.io/${name} ${command} requested`);
        return 0;
      }
    }
  } finally {
    await client.close();
  }
}

/** `metalflow keys create|public|rotate`: the sealing keys (no server needed). */
function keys(sub: string | undefined, ifMissing: boolean): number {
  const dir = sealKeyDirFromEnv();
  switch (sub) {
    case 'create':
      try {
        const id = createKeys(dir);
        process.stderr.write(`created sealing key ${id} in ${dir} (private keys: workers only; give clients \`metalflow keys public\`)\n`);
      } catch (err) {
        if (!(ifMissing && err instanceof KeysExistError)) throw err;
        process.stderr.write(`sealing keys already in ${dir}\n`);
      }
      return 0;
    case 'public':
    case 'show': {
      const key = findPublicKey(sealPublicKeySourcesFromEnv());
      process.stderr.write(`sealing key ${key.keyId}\n`);
      process.stdout.write(formatSealingPublicKey(key));
      return 0;
    }
    case 'rotate': {
      const id = rotateKeys(dir);
      process.stderr.write(`sealing key is now ${id}; older private keys stay in ${dir} and still open what they sealed\n`);
      return 0;
    }
    default:
      throw new UsageError(`keys: expected create, public or rotate${sub ? `, got "${sub}"` : ''}`);
  }
}

/** Runs the CLI and exits with its status: 0 ok, 1 failed, 2 usage error. */
export function cliMain(argv: string[]): void {
  run(argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
        process.stderr.write(`error: ${err.message}\n\n${USAGE}\n`);
        process.exit(2);
      }
      const known = err instanceof InvalidManifestError || err instanceof HostNotFoundError || err instanceof TemporalUnreachableError || err instanceof SealingKeyError || err instanceof InvalidSealingKeyError;
      const message = err instanceof Error ? (known ? err.message : err.stack ?? err.message) : String(err);
      process.stderr.write(`error: ${message}\n`);
      process.exit(1);
    },
  );
}
