import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OperationContext } from '../../../../src/bmc/driver.js';
import { FakeHardware } from '../../../../src/bmc/fake/fake-hardware.js';
import { parseFakeOptions } from '../../../../src/api/fake-annotations.js';
import { DeployFailedError, InspectionFailedError } from '../../../../src/errors.js';

const ctx = (opId: string): OperationContext => ({ opId, heartbeat: () => undefined, signal: new AbortController().signal });
const dir = (): string => mkdtempSync(join(tmpdir(), 'fake-hw-'));
const image = { url: 'http://img/a.raw', checksum: 'x' };

describe('fake driver options', () => {
  it('reads durations and failures from annotations', () => {
    const o = parseFakeOptions({ 'fake.metalflow.io/step-duration': '2s', 'fake.metalflow.io/durations': 'deploy=5s, clean=250ms', 'fake.metalflow.io/fail': 'inspect=2' }, 1000);
    expect(o.durationsMs).toMatchObject({ inspect: 2000, deploy: 5000, clean: 250 });
    expect(o.failures).toEqual({ inspect: 2 });
  });
  it('rejects unknown steps and bad values', () => {
    expect(() => parseFakeOptions({ 'fake.metalflow.io/fail': 'boot=1' }, 0)).toThrow(/unknown step "boot"/);
    expect(() => parseFakeOptions({ 'fake.metalflow.io/fail': 'inspect=x' }, 0)).toThrow(/not a count/);
    expect(() => parseFakeOptions({ 'fake.metalflow.io/durations': 'inspect=soon' }, 0)).toThrow(/invalid duration/);
  });
});

describe('FakeHardware', () => {
  it('applies each operation id once, however often it is retried', async () => {
    const d = dir();
    const hw = new FakeHardware(d, 'ns/h', parseFakeOptions({}, 0));
    await hw.deploy(ctx('op-1'), { image });
    await hw.deploy(ctx('op-1'), { image });
    await new FakeHardware(d, 'ns/h', parseFakeOptions({}, 0)).deploy(ctx('op-1'), { image }); // "another worker"
    const state = FakeHardware.read(d, 'ns/h');
    expect(state?.effects.filter((e) => e.step === 'deploy')).toHaveLength(1);
    expect(state?.disks[0]).toMatchObject({ image: image.url, partitionTable: true });
    expect(state?.poweredOn).toBe(true);
  });

  it('resumes a started operation after a crash instead of starting it again', async () => {
    const d = dir();
    const opts = parseFakeOptions({ 'fake.metalflow.io/durations': 'clean=300ms' }, 0);
    const aborted = new AbortController();
    const first = new FakeHardware(d, 'ns/h', opts).clean({ opId: 'c1', heartbeat: () => undefined, signal: aborted.signal });
    setTimeout(() => aborted.abort(), 50); // the worker "dies" mid-operation
    await expect(first).rejects.toThrow();
    const started = Date.now();
    await new FakeHardware(d, 'ns/h', opts).clean(ctx('c1'));
    expect(Date.now() - started).toBeLessThan(300); // waited only for the rest of the original duration
    expect(FakeHardware.read(d, 'ns/h')?.effects.map((e) => e.opId)).toEqual(['c1']);
  });

  it('fails the first N operations of a step, then succeeds; a retried failed op stays failed', async () => {
    const d = dir();
    const hw = new FakeHardware(d, 'ns/h', parseFakeOptions({ 'fake.metalflow.io/fail': 'inspect=1,deploy=1' }, 0));
    await expect(hw.inspect(ctx('i1'))).rejects.toThrow(InspectionFailedError);
    await expect(hw.inspect(ctx('i1'))).rejects.toThrow(/injected inspect failure 1 of 1/);
    const inventory = await hw.inspect(ctx('i2'));
    expect(inventory.storage).toHaveLength(2);
    expect(inventory.nics?.[0]?.mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    await expect(hw.deploy(ctx('d1'), { image })).rejects.toThrow(DeployFailedError);
  });

  it('cleaning erases partition tables and images; power and boot device are recorded', async () => {
    const d = dir();
    const hw = new FakeHardware(d, 'ns/h', parseFakeOptions({}, 0));
    expect(FakeHardware.read(d, 'ns/h')).toBeUndefined();
    await hw.setPower(ctx('p1'), true);
    expect(await hw.getPowerState()).toBe(true);
    await hw.setBootDevice(ctx('b1'), 'pxe');
    await hw.deploy(ctx('d1'), { image });
    await hw.clean(ctx('c1'), 'metadata');
    const s = FakeHardware.read(d, 'ns/h');
    expect(s?.disks.every((disk) => !disk.partitionTable && disk.image === undefined)).toBe(true);
    await hw.forget(ctx('f'));
    expect(FakeHardware.read(d, 'ns/h')).toBeUndefined();
  });
});
