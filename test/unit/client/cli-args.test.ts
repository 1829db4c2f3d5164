/** The CLI's argument handling, error reports and --wait goals, without a server. */
import { describe, expect, it } from 'vitest';
import { InvalidDurationError } from '../../../src/api/go-duration.js';
import { InvalidLabelSelectorError } from '../../../src/api/label-selector.js';
import type { BareMetalHostSpec } from '../../../src/api/types.js';
import type { HostSummary } from '../../../src/contract/index.js';
import { NEGATIVE_TIMEOUT_MS, UsageError, intervalFlag, parseCommandLine, timeoutFlag } from '../../../src/client/cli/args.js';
import { COMMANDS, commandHelp } from '../../../src/client/cli/commands.js';
import { ExitCode, reportError } from '../../../src/client/cli/report.js';
import { applyTarget, waitGoal } from '../../../src/client/cli/wait-goals.js';
import { HostFailedError, HostNotFoundError } from '../../../src/client/errors.js';

describe('command line', () => {
  it('refuses a flag the command does not take, as kubectl: unknown flag', () => {
    expect(() => parseCommandLine(['get', '--hard'])).toThrow(new UsageError('get: unknown flag: --hard'));
    expect(() => parseCommandLine(['get', '--nope'])).toThrow(new UsageError('unknown flag: --nope'));
    expect(parseCommandLine(['get', '-l', 'a=b', '-o', 'name']).values).toMatchObject({ selector: 'a=b', output: 'name' });
  });

  it('reads --timeout as kubectl: Go durations, 0 checks once, negative waits a week', () => {
    expect(timeoutFlag('1m30s')).toBe(90_000);
    expect(timeoutFlag(undefined)).toBe(600_000);
    expect(timeoutFlag('0')).toBe(0);
    expect(timeoutFlag('-1s')).toBe(NEGATIVE_TIMEOUT_MS);
    expect(() => timeoutFlag('10')).toThrow(new UsageError('--timeout: time: missing unit in duration "10"'));
    expect(() => intervalFlag('0s')).toThrow(UsageError);
  });

  it('has a help text for every command, naming its flags', () => {
    for (const [name, c] of Object.entries(COMMANDS)) {
      const help = commandHelp(name) ?? '';
      expect(help).toContain(`Usage: metalflow ${c.usage}`);
      expect(help).toContain('-h, --help');
    }
    expect(commandHelp('get')).toContain('-l, --selector');
  });
});

describe('error reports', () => {
  const hint = "See 'metalflow --help' for usage.";
  it.each([
    [new UsageError('get: missing host NAME'), ExitCode.usage],
    [new InvalidDurationError('time: invalid duration "x"'), ExitCode.usage],
    [new InvalidLabelSelectorError('!', 'expected a label key after "!"'), ExitCode.usage],
    [new HostNotFoundError('ns', 'h'), ExitCode.failed],
    [new Error('something else'), ExitCode.failed],
  ])('%s: one message, no stack', (err, code) => {
    const r = reportError(err, { debug: false, usageHint: hint });
    expect(r.code).toBe(code);
    expect(r.text.startsWith(`error: ${err.message}\n`)).toBe(true);
    expect(r.text).not.toMatch(/^\s+at /m);
  });

  it('prints the stack with METALFLOW_DEBUG=1, and a cause\'s message when the error has none', () => {
    expect(reportError(new Error('boom'), { debug: true, usageHint: hint }).text).toMatch(/^\s+at /m);
    expect(reportError(new Error('', { cause: new Error('UNAVAILABLE: no route') }), { debug: false, usageHint: hint }).text).toBe('error: UNAVAILABLE: no route\n');
  });
});

describe('--wait goals', () => {
  const view = (over: { state?: string; poweredOn?: boolean; errorType?: string; errorCount?: number; inspectEnd?: string; opStatus?: string; image?: string; provisionedImage?: string; reboots?: number; rebootPending?: boolean }): HostSummary => ({
    name: 'h',
    namespace: 'ns',
    uid: 'u',
    generation: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    labels: {},
    consumer: '',
    bmcAddress: 'fake://h',
    online: true,
    image: over.image ?? '',
    provisionedImage: over.provisionedImage ?? '',
    hardwareProfile: '',
    state: (over.state ?? 'available') as HostSummary['state'],
    operationalStatus: over.opStatus ?? 'OK',
    errorType: over.errorType ?? '',
    errorMessage: 'it broke',
    errorCount: over.errorCount ?? 0,
    poweredOn: over.poweredOn ?? true,
    inspectedAt: over.inspectEnd ?? '',
    detached: false,
    rebootRequests: over.reboots ?? 0,
    rebootPending: over.rebootPending ?? false,
  });
  const spec = (image?: string): BareMetalHostSpec => ({ online: true, bmc: { address: 'fake://h', credentialsName: 'c' }, ...(image ? { image: { url: image } } : {}) });

  it('apply: the stable state the applied spec leads to, with the image asked for', () => {
    expect(applyTarget(spec())).toBe('available');
    const goal = waitGoal('apply', view({ image: 'http://i/new' }), spec('http://i/new'));
    expect(goal.what).toBe('state=provisioned');
    expect(goal.met(view({ image: 'http://i/new', state: 'provisioned', provisionedImage: 'http://i/old' }))).toBe(false);
    expect(goal.met(view({ image: 'http://i/new', state: 'provisioned', provisionedImage: 'http://i/new' }))).toBe(true);
  });

  it('a new error ends the wait as a failure; an old one does not', () => {
    const fresh = waitGoal('power off', view({}));
    expect(() => fresh.met(view({ errorType: 'power management error', errorCount: 1 }))).toThrow(HostFailedError);
    const retrying = waitGoal('retry', view({ errorType: 'registration error', errorCount: 2 }));
    expect(retrying.met(view({ errorType: 'registration error', errorCount: 2 }))).toBe(false);
    expect(() => retrying.met(view({ errorType: 'registration error', errorCount: 3 }))).toThrow('baremetalhosts/h failed: registration error: it broke');
    expect(retrying.met(view({}))).toBe(true);
  });

  it('inspect needs a newer inspection end; reboot needs the request counted and carried out', () => {
    const inspect = waitGoal('inspect', view({ inspectEnd: '2026-01-01T00:00:00Z' }));
    expect(inspect.met(view({ inspectEnd: '2026-01-01T00:00:00Z' }))).toBe(false);
    expect(inspect.met(view({ inspectEnd: '2026-01-02T00:00:00Z' }))).toBe(true);
    const reboot = waitGoal('reboot', view({ reboots: 2 }));
    expect(reboot.met(view({ reboots: 2 }))).toBe(false); // not seen by the workflow yet
    expect(reboot.met(view({ reboots: 3, rebootPending: true }))).toBe(false);
    expect(reboot.met(view({ reboots: 3, poweredOn: false }))).toBe(false);
    // A reboot done between two polls: counted and no longer pending.
    expect(reboot.met(view({ reboots: 3 }))).toBe(true);
    const detach = waitGoal('detach', view({}));
    expect(detach.met(view({ opStatus: 'detached' }))).toBe(true);
  });
});
