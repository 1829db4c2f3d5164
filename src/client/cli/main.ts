/**
 * `metalflow`: the operator CLI (kubectl-like verbs over the host workflows).
 * Configuration comes from the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_*,
 * TEMPORAL_API_KEY, METALFLOW_SEAL_PUBLIC_KEY(_FILE), METALFLOW_DATA_DIR / METALFLOW_SEAL_KEY_DIR,
 * METALFLOW_TEMPORAL_UI, METALFLOW_DEBUG.
 */
import { matchesSelector } from '../../api/label-selector.js';
import { cliSettingsFromEnv } from '../../config/cli-settings.js';
import { temporalConfigFromEnv } from '../../config/temporal.js';
import { hostTaskQueueFromEnv, sealKeyDirFromEnv, sealPublicKeySourcesFromEnv } from '../../config/worker-settings.js';
import { OperatorSignal, type HostSummary } from '../../contract/index.js';
import type { BareMetalHostSpec } from '../../api/types.js';
import { KeysExistError, createKeys, findPublicKey, rotateKeys } from '../../secrets/key-store.js';
import { Sealer, formatSealingPublicKey } from '../../secrets/sealer.js';
import { parseManifests, type ManifestSource } from '../../api/manifest.js';
import { InvalidManifestError } from '../errors.js';
import { DESCRIBE_CONCURRENCY, MetalflowClient, loadManifests } from '../metalflow-client.js';
import { UsageError, intervalFlag, parseCommandLine, selectorFlag, timeoutFlag, type CliValues } from './args.js';
import { COMMANDS, commandHelp, usage } from './commands.js';
import { asJson, asYaml, describeText, hostsTable } from './format.js';
import { ExitCode, reportError } from './report.js';
import { noViewWarning, selectListed, unansweredWarning } from './select-hosts.js';
import { readManifestSources } from './sources.js';
import { versionText } from './version.js';
import { waitGoal, type WaitVerb } from './wait-goals.js';
import { parseAnnotationEdits } from '../../api/annotations.js';

/** Commands that are one signal without an argument. */
const SIMPLE_SIGNALS = {
  deprovision: OperatorSignal.deprovision,
  inspect: OperatorSignal.inspect,
  retry: OperatorSignal.retry,
  attach: OperatorSignal.attach,
  pause: OperatorSignal.pause,
  resume: OperatorSignal.resume,
} as const;

const OUTPUTS = ['wide', 'json', 'yaml', 'name'];

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

const resourceName = (name: string): string => `baremetalhost.metal3.io/${name}`;

/** `-l` applied client side over what the server listed. */
function selectHosts<T extends { labels: Record<string, string> }>(views: T[], values: CliValues): T[] {
  const selector = selectorFlag(values.selector);
  return selector ? views.filter((v) => matchesSelector(selector, v.labels)) : views;
}

/**
 * `-l` over visibility's list. A host with no BmhView memo has no labels there: its labels come
 * from a query when its worker answers (DESCRIBE_CONCURRENCY at a time); the others are named on
 * stderr, never dropped silently.
 */
async function selectListedHosts(client: MetalflowClient, hosts: HostSummary[], values: CliValues): Promise<HostSummary[]> {
  const selector = selectorFlag(values.selector);
  const { selected, noView } = selectListed(hosts, selector);
  if (!selector || noView.length === 0) return selected;
  const silent: HostSummary[] = [];
  for (let i = 0; i < noView.length; i += DESCRIBE_CONCURRENCY) {
    await Promise.all(noView.slice(i, i + DESCRIBE_CONCURRENCY).map(async (h) => {
      const view = await client.view(h.namespace, h.name).catch(() => undefined);
      if (!view) silent.push(h);
      else if (matchesSelector(selector, view.labels)) selected.push({ ...h, labels: view.labels });
    }));
  }
  if (silent.length) process.stderr.write(noViewWarning(silent.sort(byId)));
  return selected.sort(byId);
}

const byId = (a: HostSummary, b: HostSummary): number => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);

/**
 * `apply -n NS`: as kubectl, an object in another namespace (none given means "default") is refused, not
 * moved. Checked over every BareMetalHost document before anything else: the full validation (with the
 * running hosts' sealed Secrets) comes later, against the server.
 */
export function checkNamespace(sources: ManifestSource[], namespace: string): void {
  const errors = parseManifests(sources).hostRefs
    .filter((h) => h.namespace !== namespace)
    .map((h) => ({
      document: `BareMetalHost ${h.namespace}/${h.name}`,
      field: 'metadata.namespace',
      reason: `the namespace from the provided object "${h.namespace}" does not match the namespace "${namespace}"; pass -n ${h.namespace} or leave -n out`,
    }));
  if (errors.length > 0) throw new InvalidManifestError(errors);
}

export async function run(argv: string[]): Promise<number> {
  const { command, args, values } = parseCommandLine(argv);
  if (values.version || command === 'version') {
    out(versionText());
    return ExitCode.ok;
  }
  if (command === 'help') {
    const help = args[0] ? commandHelp(args[0]) : usage();
    if (!help) throw new UsageError(`unknown command "${args[0]}"`);
    out(help);
    return ExitCode.ok;
  }
  if (!command) {
    out(usage());
    return values.help ? ExitCode.ok : ExitCode.usage;
  }
  if (!COMMANDS[command]) throw new UsageError(`unknown command "${command}"`);
  if (values.help) {
    out(commandHelp(command) ?? usage());
    return ExitCode.ok;
  }
  const cli = cliSettingsFromEnv();
  const namespace = values.namespace ?? cli.hostNamespace;
  const needName = (): string => {
    const name = command === 'power' ? args[1] : args[0];
    if (!name) throw new UsageError(`${command}: missing host NAME`);
    return name;
  };
  // Flags are checked before anything is read or sent.
  if (values.output !== undefined && !OUTPUTS.includes(values.output)) throw new UsageError(`-o ${values.output}: expected wide, json, yaml or name`);
  if (command === 'apply' && values.output !== undefined && values.output !== 'name') throw new UsageError(`apply: -o ${values.output}: only -o name`);
  if (command === 'apply' && !values.filename?.length) throw new UsageError('apply: -f FILE is required');
  if (command === 'power' && args[0] !== 'on' && args[0] !== 'off') throw new UsageError('power: expected "on" or "off"');
  if (['describe', 'wait', 'deprovision', 'power', 'reboot', 'inspect', 'retry', 'detach', 'attach', 'pause', 'resume', 'delete', 'annotate'].includes(command)) needName();
  selectorFlag(values.selector);
  const timeoutMs = values.timeout !== undefined || values.wait || command === 'wait' ? timeoutFlag(values.timeout) : 0;
  const intervalMs = command === 'watch' ? intervalFlag(values.interval) : 0;

  if (command === 'keys') return keys(args[0], values['if-missing'] === true);

  // Dry run needs no server and no key: same parsing and validation, nothing sent.
  const sources = command === 'apply' ? readManifestSources(values.filename ?? []) : [];
  if (command === 'apply' && values.namespace !== undefined) checkNamespace(sources, values.namespace);
  if (command === 'apply' && values['dry-run']) {
    const { hosts, warnings } = loadManifests(sources);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    // Known only against the server: whether the host exists (then its exported status is ignored).
    for (const e of hosts.flatMap((h) => h.adoptionErrors ?? [])) process.stderr.write(`warning: ${e.document}: ${e.field}: ${e.reason} (refused if the host does not exist yet)\n`);
    for (const h of hosts) out(`${resourceName(h.host.metadata.name)}${values.output === 'name' ? '' : ' valid (dry run)'}`);
    return ExitCode.ok;
  }

  // apply seals with the public key only, and never creates one: no key found is an error saying where it looked.
  const sealer = command === 'apply' ? Sealer.fromPublicKey(findPublicKey(sealPublicKeySourcesFromEnv())) : undefined;
  const client = await MetalflowClient.connect(temporalConfigFromEnv(), sealer, hostTaskQueueFromEnv());
  /** `--wait`: the condition the verb leads to, from the host as it was when the request went in. */
  const waitAfter = async (verb: WaitVerb, name: string, before: HostSummary, spec?: BareMetalHostSpec): Promise<void> => {
    const goal = waitGoal(verb, before, spec);
    await client.waitForSummary(before.namespace, name, (v) => goal.met(v), timeoutMs);
    out(`${resourceName(name)} condition met (${goal.what})`);
  };
  /** Sends one operator signal, then waits if asked. */
  const request = async (name: string, verb: WaitVerb | undefined, said: string, send: () => Promise<void>): Promise<number> => {
    const before = await client.summary(namespace, name);
    await send();
    out(`${resourceName(name)} ${said}`);
    if (values.wait && verb) await waitAfter(verb, name, before);
    return ExitCode.ok;
  };
  try {
    switch (command) {
      case 'apply': {
        const result = await client.apply(sources);
        for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
        for (const h of result.hosts) out(values.output === 'name' ? resourceName(h.name) : `${resourceName(h.name)} ${h.result}`);
        if (values.wait) {
          await Promise.all(result.hosts.map(async (h) => waitAfter('apply', h.name, await client.summary(h.namespace, h.name), h.spec)));
        }
        return ExitCode.ok;
      }
      case 'get': {
        const all = values['all-namespaces'] === true;
        const name = args[0];
        const scope = all ? undefined : namespace;
        if (values.output === 'json' || values.output === 'yaml') {
          // The whole object (full status) is only in the workflow: these ask each host (a query; needs its worker).
          // A host whose worker does not answer is named on stderr and fails the command (as kubectl
          // does when part of a get fails): a List without it would read as "no such host".
          const got = name ? { views: [await client.view(namespace, name)], unanswered: [] } : await client.viewsOf(scope);
          const views = selectHosts(got.views, values);
          out(values.output === 'json' ? asJson(views, Boolean(name)) : asYaml(views, Boolean(name)));
          if (got.unanswered.length === 0) return ExitCode.ok;
          process.stderr.write(unansweredWarning(got.unanswered));
          return ExitCode.failed;
        }
        // Tables and names: visibility only (search attributes and memo), no query, no worker.
        const hosts = await selectListedHosts(client, name ? [await client.summary(namespace, name)] : await client.list(scope), values);
        if (values.output === 'name') {
          if (hosts.length) out(hosts.map((h) => resourceName(h.name)).join('\n'));
        } else if (hosts.length === 0) process.stderr.write(`No hosts found${all ? '' : ` in ${namespace} namespace`}.\n`);
        else if (values.output === 'wide') out(hostsTable(await client.withSteps(hosts), { wide: true, allNamespaces: all }));
        else out(hostsTable(hosts, { allNamespaces: all }));
        return ExitCode.ok;
      }
      case 'describe':
        out(describeText(await client.describe(namespace, needName()), cli.temporalUi(client.config.namespace)));
        return ExitCode.ok;
      case 'wait': {
        const name = needName();
        const cond = values.for ?? '';
        if (cond === 'delete') {
          await client.waitDeleted(namespace, name, timeoutMs);
          out(`${resourceName(name)} deleted`);
          return ExitCode.ok;
        }
        const m = /^(state|operationalStatus|errorType|poweredOn)=(.*)$/.exec(cond);
        if (!m) throw new UsageError('wait: --for must be state=S, operationalStatus=S, errorType=T, poweredOn=true|false or delete');
        const [, field, want] = m;
        const pick = (v: HostSummary): string =>
          field === 'state' ? v.state : field === 'poweredOn' ? String(v.poweredOn) : field === 'operationalStatus' ? v.operationalStatus : v.errorType;
        await client.waitForSummary(namespace, name, (v) => pick(v) === want, timeoutMs);
        out(`${resourceName(name)} condition met (${field}=${want})`);
        return ExitCode.ok;
      }
      case 'watch': {
        const all = values['all-namespaces'] === true;
        for (;;) {
          const views = await selectListedHosts(client, await client.list(all ? undefined : namespace), values);
          process.stdout.write('\x1b[2J\x1b[H');
          out(`${new Date().toISOString()}  (Ctrl-C to stop)\n`);
          out(views.length ? hostsTable(views, { allNamespaces: all }) : 'No hosts found.');
          await new Promise((r) => setTimeout(r, intervalMs));
        }
      }
      case 'power': {
        const on = args[0] === 'on';
        return await request(needName(), on ? 'power on' : 'power off', `power ${on ? 'on' : 'off'} requested`, () => client.signal(namespace, needName(), on ? OperatorSignal.powerOn : OperatorSignal.powerOff));
      }
      case 'reboot': {
        const mode = values.hard ? 'hard' : 'soft';
        return await request(needName(), 'reboot', `${mode} reboot requested`, () => client.signal(namespace, needName(), OperatorSignal.reboot, { mode }));
      }
      case 'detach':
        return await request(needName(), 'detach', 'detach requested', () => client.signal(namespace, needName(), OperatorSignal.detach, { force: values.force === true }));
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
        return ExitCode.ok;
      }
      case 'delete': {
        const name = needName();
        await client.signal(namespace, name, OperatorSignal.delete);
        out(`${resourceName(name)} delete requested`);
        if (values.wait) {
          await client.waitDeleted(namespace, name, timeoutMs);
          out(`${resourceName(name)} deleted`);
        }
        return ExitCode.ok;
      }
      default: {
        // deprovision, inspect, retry, attach, pause, resume: one signal each.
        const signal = SIMPLE_SIGNALS[command as keyof typeof SIMPLE_SIGNALS];
        if (!signal) throw new UsageError(`unknown command "${command}"`);
        const verb = command === 'pause' || command === 'resume' ? undefined : (command as WaitVerb);
        return await request(needName(), verb, `${command} requested`, () => client.signal(namespace, needName(), signal));
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
      const command = argv.find((a) => !a.startsWith('-') && COMMANDS[a]);
      const usageHint = `See 'metalflow ${command ? `${command} ` : ''}--help' for usage.`;
      const { code, text } = reportError(err, { debug: cliSettingsFromEnv().debug, usageHint });
      process.stderr.write(text);
      process.exit(code);
    },
  );
}
