/**
 * The SDK core's exporter port is picked free, then bound by the core later: another process may
 * take it in between. The runtime install tries again with a fresh port, CORE_EXPORTER_BIND_ATTEMPTS
 * times in all. (Runtime.install holds for the process: this file has one success, last.)
 */
import { createServer, type Server } from 'node:net';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { CORE_EXPORTER_BIND_ATTEMPTS, installRuntime } from '../../../src/worker/metrics/observability.js';

const logger = pino({ level: 'silent' });
const settings = { port: 0, host: '127.0.0.1' };
let taken: Server;
const takenPort = async (): Promise<number> => {
  taken ??= await new Promise<Server>((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => r(s));
  });
  return (taken.address() as { port: number }).port;
};
afterAll(() => void taken?.close());

describe('core metrics exporter port', () => {
  it(`gives up after CORE_EXPORTER_BIND_ATTEMPTS (${CORE_EXPORTER_BIND_ATTEMPTS}) ports taken`, async () => {
    let picks = 0;
    const pick = async (): Promise<number> => (picks++, takenPort());
    await expect(installRuntime(logger, settings, pick)).rejects.toThrow(/in use/i);
    expect(picks).toBe(CORE_EXPORTER_BIND_ATTEMPTS);
  });

  it('binds a fresh port when the one it picked was taken meanwhile', async () => {
    const free = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => r(port));
      });
    });
    const ports = [await takenPort(), free];
    const obs = await installRuntime(logger, settings, async () => ports.shift() ?? 0);
    expect(obs.coreMetricsUrl).toBe(`http://127.0.0.1:${free}/metrics`);
    // Polled: nothing here promises the core's listener accepts the moment install returns.
    await expect.poll(async () => (await fetch(obs.coreMetricsUrl ?? '').catch(() => undefined))?.status, { timeout: 10_000, interval: 100 }).toBe(200);
  });
});
