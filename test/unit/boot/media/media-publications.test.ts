import { describe, expect, it, vi } from 'vitest';
import { AGENT_MEDIA_TTL_MS, MEDIA_TOKEN_BYTES, MediaPublications, mediaPath } from '../../../../src/boot/media/media-publications.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('media publications', () => {
  it('publishes a file under an unguessable token until the session ends', async () => {
    const c = clock();
    const ended = vi.fn();
    const pubs = new MediaPublications({ now: c.now });
    const token = pubs.publish({ uuid: 'u1', session: 's1' }, '/data/a.iso', ended);
    expect(Buffer.from(token, 'base64url')).toHaveLength(MEDIA_TOKEN_BYTES);
    expect(mediaPath(token)).toBe(`/media/${token}/agent.iso`);
    expect(pubs.resolve(token)).toBe('/data/a.iso');
    expect(pubs.publish({ uuid: 'u2', session: 's1' }, '/data/a.iso')).not.toBe(token);
    await pubs.revoke('u1', 'other-session');
    expect(pubs.resolve(token)).toBe('/data/a.iso');
    await pubs.revoke('u1', 's1');
    expect(pubs.resolve(token)).toBeUndefined();
    expect(ended).toHaveBeenCalledTimes(1);
    pubs.close();
  });

  it(`expires after ${AGENT_MEDIA_TTL_MS} ms and lets the file go`, async () => {
    const c = clock();
    const ended = vi.fn();
    const pubs = new MediaPublications({ now: c.now });
    const token = pubs.publish({ uuid: 'u1', session: 's1' }, '/data/a.iso', ended);
    c.advance(AGENT_MEDIA_TTL_MS - 1);
    expect(pubs.resolve(token)).toBe('/data/a.iso');
    c.advance(1);
    expect(pubs.resolve(token)).toBeUndefined();
    await pubs.sweep();
    expect(ended).toHaveBeenCalledTimes(1);
    await pubs.revoke('u1', 's1');
    expect(ended).toHaveBeenCalledTimes(1);
    pubs.close();
  });

  it('a new publication of the same host replaces the old one', async () => {
    const ended = vi.fn();
    const pubs = new MediaPublications();
    const old = pubs.publish({ uuid: 'u1', session: 's1' }, '/data/a.iso', ended);
    const next = pubs.publish({ uuid: 'u1', session: 's2' }, '/data/b.iso');
    await vi.waitFor(() => expect(ended).toHaveBeenCalledTimes(1));
    expect(pubs.resolve(old)).toBeUndefined();
    expect(pubs.resolve(next)).toBe('/data/b.iso');
    pubs.close();
  });

  it('knows no other token', () => {
    const pubs = new MediaPublications();
    const token = pubs.publish({ uuid: 'u1', session: 's1' }, '/data/a.iso');
    for (const t of ['', 'x', token.slice(1), `${token}A`, token.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')), '../../etc/passwd', token.toUpperCase() === token ? 'y' : token.toUpperCase()]) expect(pubs.resolve(t), t).toBeUndefined();
    pubs.close();
  });
});
