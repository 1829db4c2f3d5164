/**
 * The boot-services worker with METALFLOW_TLS=on, as a process: it generates its CA and server
 * certificate into $METALFLOW_DATA_DIR/tls/<network> on first start and reuses them on the next,
 * its agent API on 6385 answers only HTTPS (verifying against that CA), and the boot server serves
 * media on the vmedia TLS port.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../lab/processes.js';
import { useTestStack } from '../../helpers/stack.js';

const stack = useTestStack();

describe('boot worker with TLS on', () => {
  it('serves the agent API and media over HTTPS with a CA it generated once', async () => {
    const [apiPort, vmediaPort] = [await freePort(), await freePort()];
    const agentDir = join(stack.dataDir, 'agent-files');
    mkdirSync(agentDir);
    writeFileSync(join(agentDir, 'agent.iso'), 'iso bytes');
    const env = {
      METALFLOW_TLS: 'on',
      METALFLOW_BOOT_IP: '127.0.0.1',
      METALFLOW_AGENT_API_PORT: String(apiPort),
      METALFLOW_VMEDIA_TLS_PORT: String(vmediaPort),
      METALFLOW_AGENT_IMAGE_DIR: agentDir,
      METALFLOW_PROVISIONING_NETWORK: 'tls-net',
    };
    const worker = await stack.startWorker('src/worker/boot-main.ts', 'boot services worker started', env);
    const tlsDir = join(stack.dataDir, 'tls', 'tls-net');
    expect(statSync(tlsDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(tlsDir, 'server.key')).mode & 0o777).toBe(0o600);
    const caPem = readFileSync(join(tlsDir, 'ca.crt'), 'utf8');
    await expect.poll(() => readFileSync(worker.logFile, 'utf8')).toContain(`"agentApi":"https://127.0.0.1:${apiPort}"`);

    const trusting = new Agent({ connect: { ca: caPem } });
    const root = await request(`https://127.0.0.1:${apiPort}/v1`, { dispatcher: trusting });
    expect(root.statusCode).toBe(200);
    await root.body.dump();
    await expect(request(`https://127.0.0.1:${apiPort}/v1`)).rejects.toThrow(/certificate/);
    const plain = await request(`http://127.0.0.1:${apiPort}/v1`).then((r) => r.statusCode, () => 'refused');
    expect(plain).toBe('refused');
    const iso = await request(`https://127.0.0.1:${vmediaPort}/agent/agent.iso`, { dispatcher: trusting });
    expect(await iso.body.text()).toBe('iso bytes');
    await trusting.close();

    // The next start reuses the same CA (agents and ISOs made with it keep trusting the worker).
    await worker.stop();
    await stack.startWorker('src/worker/boot-main.ts', 'boot services worker started', env);
    expect(readFileSync(join(tlsDir, 'ca.crt'), 'utf8')).toBe(caPem);
  });
});
