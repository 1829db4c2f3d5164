/**
 * The `metalflow` CLI as an operator runs it (a real process): apply, get, describe, wait, power,
 * delete, plus the error paths (invalid manifest, unknown host, unreachable Temporal).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeHostsManifest, useTestStack } from '../../helpers/stack.js';

const NS = 'it-cli';
const stack = useTestStack();
const dir = mkdtempSync(join(tmpdir(), 'metalflow-cli-'));
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
});
