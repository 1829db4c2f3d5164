/**
 * Runs the stock ironic-python-agent (PyPI, installed in .tools/ipa by scripts/setup-tools.sh)
 * inside a test network namespace, with the harmless test hardware manager of
 * test/fixtures/ipa-test-hardware (fixed virtual disks, cleaning only recorded). `udevadm` is
 * shimmed on its PATH: IPA's generic manager calls `udevadm settle`, which containers lack.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startProcess, type LabProcess } from '../../lab/processes.js';
import type { TestNetns } from './netns.js';

export const IPA_PORT = 9999;

export interface StockIpa extends LabProcess {
  logFile: string;
  recordFile: string;
  /** What the test hardware manager was asked to do (one JSON object per line). */
  records(): Array<{ event: string; node?: string; disks?: string[] }>;
}

/**
 * `inspect: false` leaves out the inspection callback (the agent goes straight to lookup); `cafile`
 * is IPA's [DEFAULT]cafile (in a ramdisk: a file in /etc/ironic-python-agent.conf.d/, as the agent ISO's overlay writes it).
 */
export function startStockIpa(opts: { netns: TestNetns; apiUrl: string; dir: string; collectors?: string; inspect?: boolean; cafile?: string }): StockIpa {
  mkdirSync(join(opts.dir, 'bin'), { recursive: true });
  const shim = join(opts.dir, 'bin', 'udevadm');
  writeFileSync(shim, '#!/bin/sh\nexit 0\n');
  chmodSync(shim, 0o755);
  const conf = join(opts.dir, 'ipa.conf');
  writeFileSync(
    conf,
    [
      '[DEFAULT]',
      `api_url = ${opts.apiUrl}`,
      ...(opts.inspect === false ? [] : [`inspection_callback_url = ${opts.apiUrl}/v1/continue_inspection`, `inspection_collectors = ${opts.collectors ?? 'default'}`]),
      ...(opts.cafile ? [`cafile = ${opts.cafile}`] : []),
      `listen_host = ${opts.netns.nsIp}`,
      `listen_port = ${IPA_PORT}`,
      `advertise_host = ${opts.netns.nsIp}`,
      'hardware_initialization_delay = 0',
      'disk_wait_attempts = 1',
      'disk_wait_delay = 0',
      'lookup_timeout = 300',
      'lookup_interval = 1',
      'use_stderr = true',
      '',
    ].join('\n'),
  );
  const recordFile = join(opts.dir, 'hardware-record.jsonl');
  writeFileSync(recordFile, '');
  const logFile = join(opts.dir, 'ipa.log');
  const ipa = resolve('.tools/ipa/bin/ironic-python-agent');
  const p = startProcess(opts.netns.exec[0] ?? 'ip', [...opts.netns.exec.slice(1), ipa, '--config-file', conf], logFile, {
    ...process.env,
    PATH: `${join(opts.dir, 'bin')}:${process.env.PATH ?? ''}`,
    METALFLOW_IPA_TEST_RECORD: recordFile,
  });
  return {
    ...p,
    logFile,
    recordFile,
    records: () =>
      readFileSync(recordFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { event: string; node?: string; disks?: string[] }),
  };
}
