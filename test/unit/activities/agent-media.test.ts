/**
 * prepareAgentMedia: the agent ISO of the open session (kernel parameters as the iPXE path gives
 * them, the session's network data in the overlay), published at a per-boot URL that endAgent ends.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createBootActivities } from '../../../src/activities/boot-activities.js';
import { AgentSessions } from '../../../src/boot/agent-sessions.js';
import type { BootMedia } from '../../../src/contract/index.js';
import type { AgentIsoInput } from '../../../src/boot/media/agent-iso.js';
import { AgentMedia } from '../../../src/boot/media/agent-media.js';
import { AgentIsoCache } from '../../../src/boot/media/iso-cache.js';
import { MediaPublications } from '../../../src/boot/media/media-publications.js';
import { removeTempDir } from '../../helpers/temp-dir.js';
import { failureOf } from '../../helpers/activity-failure.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-media-'));
afterAll(() => removeTempDir(dir));
writeFileSync(join(dir, 'k'), 'K');
const built: AgentIsoInput[] = [];
const cache = new AgentIsoCache(join(dir, 'cache'), async (input, out) => {
  built.push(input);
  await writeFile(out, 'ISO');
});
const publications = new MediaPublications();
afterAll(() => publications.close());
const media = new AgentMedia({ kernel: join(dir, 'k'), initramfs: join(dir, 'k'), apiUrl: 'http://10.0.0.1:6385', extraKernelParams: 'console=ttyS0', baseUrl: 'http://10.0.0.1' }, cache, publications);
const sessions = new AgentSessions({ heartbeat: async () => undefined, inspection: async () => undefined });
const boot = createBootActivities({ sessions, api: { endAgentSession: () => undefined } as never, keyring: {} as never, media });
const env = new MockActivityEnvironment();
const nmstate = 'interfaces: [{name: eth0, type: ethernet, mac-address: "52:54:00:00:00:01", ipv4: {enabled: true, address: [{ip: 10.0.0.9, prefix-length: 24}]}}]';

describe('prepareAgentMedia', () => {
  it('publishes the ISO of the session with its kernel parameters and network data; endAgent ends it', async () => {
    await cache.init();
    sessions.open({ workflowId: 'bmh/ns/h1', uuid: 'u1', name: 'ns/h1', macs: ['52:54:00:00:00:01'], session: 's1', inspect: true, networkData: nmstate });
    const { url } = (await env.run(boot.prepareAgentMedia, { uuid: 'u1', session: 's1' })) as BootMedia;
    expect(url).toMatch(/^http:\/\/10\.0\.0\.1\/media\/[A-Za-z0-9_-]{43}\/agent\.iso$/);
    const token = new URL(url).pathname.split('/')[2] ?? '';
    expect(publications.resolve(token)).toBeDefined();
    expect(built[0]?.grubCfg).toContain('linux /agent/vmlinuz ipa-api-url=http://10.0.0.1:6385 ipa-inspection-callback-url=http://10.0.0.1:6385/v1/continue_inspection BOOTIF=52:54:00:00:00:01 console=ttyS0\n');
    const files = execFileSync('cpio', ['-i', '--to-stdout', '--quiet', 'etc/systemd/network/*'], { input: built[0]?.overlay }).toString();
    expect(files).toContain('Address=10.0.0.9/24');
    await env.run(boot.endAgent, { uuid: 'u1', session: 's1' });
    expect(publications.resolve(token)).toBeUndefined();
    expect(readdirSync(join(dir, 'cache'))).toEqual([]);
  });

  it('gives cleaning and deploy boots no inspection callback', async () => {
    sessions.open({ workflowId: 'bmh/ns/h2', uuid: 'u2', name: 'ns/h2', macs: ['52:54:00:00:00:02'], session: 's1' });
    await env.run(boot.prepareAgentMedia, { uuid: 'u2', session: 's1' });
    expect(built.at(-1)?.grubCfg).not.toContain('ipa-inspection-callback-url');
    expect(readFileSync(join(dir, 'cache', readdirSync(join(dir, 'cache'))[0] ?? ''), 'utf8')).toBe('ISO');
    await env.run(boot.endAgent, { uuid: 'u2', session: 's1' });
  });

  it('refuses a session that is not open, and network data the agent cannot apply (non-retryable)', async () => {
    const lost = await failureOf(env.run(boot.prepareAgentMedia, { uuid: 'u1', session: 'old' }));
    expect(lost.type).toBe('AgentSessionLost');
    sessions.open({ workflowId: 'bmh/ns/h3', uuid: 'u3', name: 'ns/h3', macs: ['52:54:00:00:00:03'], session: 's1', networkData: 'interfaces: [{name: bond0, type: bond}]' });
    const bad = await failureOf(env.run(boot.prepareAgentMedia, { uuid: 'u3', session: 's1' }));
    expect(bad.type).toBe('NetworkDataError');
    expect(bad.nonRetryable).toBe(true);
    expect(bad.message).toMatch(/^preprovisioningNetworkData: interfaces\[0\]\.type/);
  });
});
