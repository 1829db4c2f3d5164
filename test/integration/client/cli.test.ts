/**
 * The `metalflow` CLI as an operator runs it (a real process): apply, get, describe, wait, power,
 * delete, plus the error paths (invalid manifest, unknown host, unreachable Temporal).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';
import { readFileSync } from 'node:fs';

const NS = 'it-cli';
const stack = useTestStack();
const dir = mkdtempSync(join(tmpdir(), 'metalflow-cli-'));
const OFFLINE = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
/** A Node stack frame line: what no user error may print (only METALFLOW_DEBUG=1 shows them). */
const STACK_LINE = /^\s+at /m;
/** Adds metadata.labels to one host of a fakeHostsManifest text. */
const withLabels = (manifest: string, host: string, labels: Record<string, string>): string =>
  manifest.replace(`name: ${host}\n  namespace: ${NS}\n`, `name: ${host}\n  namespace: ${NS}\n  labels:\n${Object.entries(labels).map(([k, v]) => `    ${k}: "${v}"\n`).join('')}`);
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};


describe('metalflow CLI', () => {
  it('apply --dry-run validates without a server and names document, field and reason', async () => {
    const bad = file('bad.yaml', fakeHostsManifest(NS, [{ name: 'cli-0' }]).replace('fake://cli-0', 'bogus://cli-0'));
    const r = await stack.metalflow(['apply', '--dry-run', '-f', bad], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}#2 (BareMetalHost ${NS}/cli-0): spec.bmc.address: unknown BMC scheme "bogus"`);
    expect(r.stderr).toContain('nothing was applied');
    const good = file('good.yaml', fakeHostsManifest(NS, [{ name: 'cli-0', image: true }]));
    const ok = await stack.metalflow(['apply', '--dry-run', '-f', good], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(ok).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-0 valid (dry run)\n' });
  });

  it('an invalid manifest applies nothing, even its valid hosts', async () => {
    const mixed = file('mixed.yaml', fakeHostsManifest(NS, [{ name: 'cli-ok' }, { name: 'cli-bad' }]).replace('fake://cli-bad', 'ftp://cli-bad'));
    const r = await stack.metalflow(['apply', '-f', mixed, '-n', NS]);
    expect(r.code).toBe(1);
    const get = await stack.metalflow(['get', 'cli-ok', '-n', NS]);
    expect(get.code).toBe(1);
    expect(get.stderr).toContain(`baremetalhost ${NS}/cli-ok not found`);
  });

  it('runs a host through its lifecycle with apply, wait, get, describe, power and delete', async () => {
    const manifest = file('host.yaml', fakeHostsManifest(NS, [{ name: 'cli-0', image: true }]));
    expect((await stack.metalflow(['apply', '-f', manifest])).stdout).toBe('baremetalhost.metal3.io/cli-0 created\n');
    const wait = await stack.metalflow(['wait', 'cli-0', '-n', NS, '--for', 'state=provisioned', '--timeout', '60s']);
    expect(wait).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-0 condition met (state=provisioned)\n' });

    const get = await stack.metalflow(['get', '-n', NS]);
    const [header, row] = get.stdout.trim().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'STATE', 'CONSUMER', 'ONLINE', 'ERROR', 'AGE']); // kubectl get bmh
    expect(row?.split(/\s+/).slice(0, 3)).toEqual(['cli-0', 'provisioned', 'true']); // no consumer, no error

    const json = JSON.parse((await stack.metalflow(['get', 'cli-0', '-n', NS, '-o', 'json'])).stdout) as { kind: string; status: { provisioning: { state: string } } };
    expect(json.kind).toBe('BareMetalHost');
    expect(json.status.provisioning.state).toBe('provisioned');

    const described = await stack.metalflow(['describe', 'cli-0', '-n', NS]);
    expect(described.stdout).toMatch(/State:\s+provisioned/);
    expect(described.stdout).toMatch(/Workflow:\s+bmh\/it-cli\/cli-0/);
    expect(described.stdout).toMatch(/Disk \/dev\/sda:/);
    expect(described.stdout).not.toContain('SuperSecretBmcPassword');

    expect((await stack.metalflow(['power', 'off', 'cli-0', '-n', NS])).code).toBe(0);
    expect((await stack.metalflow(['wait', 'cli-0', '-n', NS, '--for', 'poweredOn=false', '--timeout', '30s'])).code).toBe(0);

    const del = await stack.metalflow(['delete', 'cli-0', '-n', NS, '--wait', '--timeout', '60s']);
    expect(del).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-0 delete requested\nbaremetalhost.metal3.io/cli-0 deleted\n' });
  });

  it('says clearly when a host is unknown or Temporal is unreachable', async () => {
    const unknown = await stack.metalflow(['retry', 'nope', '-n', NS]);
    expect(unknown).toMatchObject({ code: 1, stderr: `error: baremetalhost ${NS}/nope not found\n` });
    const down = await stack.metalflow(['get'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach Temporal at 127.0.0.1:1');
    const usage = await stack.metalflow(['frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown command "frobnicate"');
  });

  it('takes Go durations (1m30s) for --timeout and refuses bad ones with Go\'s text, exit 2, no stack', async () => {
    await stack.metalflow(['apply', '-f', file('dur.yaml', fakeHostsManifest(NS, [{ name: 'cli-dur' }]))]);
    const ok = await stack.metalflow(['wait', 'cli-dur', '-n', NS, '--for', 'state=available', '--timeout', '1m30s']);
    expect(ok).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-dur condition met (state=available)\n' });
    for (const [flag, value, message] of [
      ['--timeout', '10', 'time: missing unit in duration "10"'],
      ['--timeout', '1d', 'time: unknown unit "d" in duration "1d"'],
      ['--timeout', 'x', 'time: invalid duration "x"'],
    ] as const) {
      const r = await stack.metalflow(['wait', 'cli-dur', '-n', NS, '--for', 'state=available', flag, value]);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`error: ${flag}: ${message}`);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
    const watch = await stack.metalflow(['watch', '--interval', '2 s'], OFFLINE);
    expect(watch.code).toBe(2);
    expect(watch.stderr.split('\n')[0]).toBe('error: --interval: time: unknown unit " s" in duration "2 s"');
  });

  it('prints one line per user error, never a stack, with exit 2 for usage and 1 for failures', async () => {
    const cases: Array<[string[], Record<string, string>, number, string]> = [
      [['frobnicate'], {}, 2, 'error: unknown command "frobnicate"'],
      [['get', '--bogus'], OFFLINE, 2, "error: unknown flag: --bogus"],
      [['get', '--hard'], OFFLINE, 2, 'error: get: unknown flag: --hard'],
      [['get', '-o', 'toml'], OFFLINE, 2, 'error: -o toml: expected wide, json, yaml or name'],
      [['get', '-l', 'rack in r1'], OFFLINE, 2, 'error: invalid label selector "rack in r1": expected "(" after "in"'],
      [['describe'], OFFLINE, 2, 'error: describe: missing host NAME'],
      [['power', 'sideways', 'x'], OFFLINE, 2, 'error: power: expected "on" or "off"'],
      [['apply'], OFFLINE, 2, 'error: apply: -f FILE is required'],
      [['apply', '--dry-run', '-n', 'elsewhere', '-f', 'examples/hosts.yaml'], OFFLINE, 1, 'error: invalid manifest ('],
      [['apply', '--dry-run', '-f', join(dir, 'missing.yaml')], OFFLINE, 1, `error: the path "${join(dir, 'missing.yaml')}" does not exist`],
      [['apply', '--dry-run', '-f', file('broken.yaml', 'kind: [')], OFFLINE, 1, 'error: invalid manifest (1 error; nothing was applied):'],
      [['retry', 'nope', '-n', NS], {}, 1, `error: baremetalhost ${NS}/nope not found`],
      [['get'], OFFLINE, 1, 'error: cannot reach Temporal at 127.0.0.1:1 (namespace "'],
      [['keys', 'public'], { METALFLOW_SEAL_KEY_DIR: join(dir, 'no-keys'), METALFLOW_DATA_DIR: join(dir, 'no-data') }, 1, 'error: '],
      [['wait', 'cli-dur', '-n', NS, '--for', 'state=provisioned', '--timeout', '0s'], {}, 1, `error: timed out waiting for the condition on baremetalhosts/cli-dur`],
    ];
    for (const [args, env, code, first] of cases) {
      const r = await stack.metalflow(args, env);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr.split('\n')[0]?.startsWith(first), `${args.join(' ')}: ${r.stderr}`).toBe(true);
      expect(r.stderr, args.join(' ')).not.toMatch(STACK_LINE);
    }
    // The stack is there for whoever asks for it.
    const debug = await stack.metalflow(['get'], { ...OFFLINE, METALFLOW_DEBUG: '1' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(STACK_LINE);
  });

  it('has --version, version, --help and per-command --help (exit 0, no connection)', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const args of [['--version'], ['version']]) {
      const r = await stack.metalflow(args, { ...OFFLINE, TEMPORAL_NAMESPACE: 'ns-x' });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`metalflow ${pkg.version}`);
      expect(r.stdout).toContain('Temporal address: 127.0.0.1:1');
      expect(r.stdout).toContain('Temporal namespace: ns-x');
    }
    const top = await stack.metalflow(['--help'], OFFLINE);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage: metalflow <command> [options]');
    for (const [cmd, flag] of [['get', '-l, --selector'], ['apply', '--wait'], ['power', '--timeout'], ['wait', '--for']] as const) {
      for (const h of ['--help', '-h']) {
        const r = await stack.metalflow([cmd, h], OFFLINE);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`Usage: metalflow ${cmd}`);
        expect(r.stdout).toContain(flag);
        expect(r.stdout).not.toContain('keys rotate'); // that command's help only
      }
    }
  });

  it('prints -o name on get and apply, and filters get with -l selectors', async () => {
    let manifest = fakeHostsManifest(NS, [{ name: 'cli-l1' }, { name: 'cli-l2' }, { name: 'cli-l3' }]);
    manifest = withLabels(manifest, 'cli-l1', { rack: 'r1', role: 'worker' });
    manifest = withLabels(manifest, 'cli-l2', { rack: 'r2' });
    const applied = await stack.metalflow(['apply', '-f', file('labels.yaml', manifest), '-o', 'name']);
    expect(applied).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-l1\nbaremetalhost.metal3.io/cli-l2\nbaremetalhost.metal3.io/cli-l3\n' });
    const names = async (selector: string): Promise<string> => {
      const r = await stack.metalflow(['get', '-n', NS, '-l', selector, '-o', 'name']);
      expect(r.code).toBe(0);
      return r.stdout;
    };
    expect(await names('rack=r1')).toBe('baremetalhost.metal3.io/cli-l1\n');
    expect(await names('rack in (r1,r2),!role')).toBe('baremetalhost.metal3.io/cli-l2\n');
    expect(await names('rack notin (r1)')).toContain('baremetalhost.metal3.io/cli-l3\n');
    expect(await names('rack notin (r1)')).not.toContain('cli-l1');
    const one = await stack.metalflow(['get', 'cli-l2', '-n', NS, '-o', 'name']);
    expect(one).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-l2\n' });
    const none = await stack.metalflow(['get', '-n', NS, '-l', 'rack=r9']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toContain('No hosts found');
  });

  it('--wait on apply and power waits for the result; a timeout says so with kubectl\'s text', async () => {
    const manifest = file('wait.yaml', fakeHostsManifest(NS, [{ name: 'cli-w', image: true }]));
    const applied = await stack.metalflow(['apply', '-f', manifest, '--wait', '--timeout', '2m']);
    expect(applied).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-w created\nbaremetalhost.metal3.io/cli-w condition met (state=provisioned)\n' });
    expect((await stack.client.view(NS, 'cli-w')).status.provisioning.state).toBe('provisioned');

    const off = await stack.metalflow(['power', 'off', 'cli-w', '-n', NS, '--wait', '--timeout', '1m']);
    expect(off).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-w power off requested\nbaremetalhost.metal3.io/cli-w condition met (poweredOn=false)\n' });
    expect((await stack.client.view(NS, 'cli-w')).status.poweredOn).toBe(false);
    expect(stack.fakeState(NS, 'cli-w')?.poweredOn).toBe(false);
    const on = await stack.metalflow(['power', 'on', 'cli-w', '-n', NS, '--wait', '--timeout', '1m']);
    expect(on.code).toBe(0);
    expect(stack.fakeState(NS, 'cli-w')?.poweredOn).toBe(true);
    const reboot = await stack.metalflow(['reboot', 'cli-w', '-n', NS, '--wait', '--timeout', '1m']);
    expect(reboot).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-w soft reboot requested\nbaremetalhost.metal3.io/cli-w condition met (rebooted)\n' });
    const deprovision = await stack.metalflow(['deprovision', 'cli-w', '-n', NS, '--wait', '--timeout', '2m']);
    expect(deprovision).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-w deprovision requested\nbaremetalhost.metal3.io/cli-w condition met (state=available)\n' });
    const inspectedBefore = (await stack.client.view(NS, 'cli-w')).status.operationHistory.inspect.end;
    const inspect = await stack.metalflow(['inspect', 'cli-w', '-n', NS, '--wait', '--timeout', '2m']);
    expect(inspect).toMatchObject({ code: 0, stdout: 'baremetalhost.metal3.io/cli-w inspect requested\nbaremetalhost.metal3.io/cli-w condition met (inspected)\n' });
    expect((await stack.client.view(NS, 'cli-w')).status.operationHistory.inspect.end).not.toBe(inspectedBefore);

    // A deploy that takes a minute: --wait gives up at its timeout, exit 1, kubectl's words.
    const slow = file('slow.yaml', fakeHostsManifest(NS, [{ name: 'cli-slow', image: true, annotations: { 'fake.metalflow.io/durations': 'deploy=60s' } }]));
    const timedOut = await stack.metalflow(['apply', '-f', slow, '--wait', '--timeout', '2s']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stdout).toBe('baremetalhost.metal3.io/cli-slow created\n');
    expect(timedOut.stderr.split('\n')[0]).toMatch(/^error: timed out waiting for the condition on baremetalhosts\/cli-slow\b/);
    expect(timedOut.stderr).not.toMatch(STACK_LINE);
  });

  it('apply --dry-run -f examples/ takes the whole directory', async () => {
    const r = await stack.metalflow(['apply', '--dry-run', '-f', 'examples/'], OFFLINE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('baremetalhost.metal3.io/host-0 valid (dry run)');
  });
});
