/** The shipped examples parse and validate as the README uses them (no server). */
import { describe, expect, it } from 'vitest';
import { loadManifests } from '../../../src/client/metalflow-client.js';
import { readManifestSources } from '../../../src/client/cli/sources.js';

const names = (paths: string[]): string[] => loadManifests(readManifestSources(paths)).hosts.map((h) => h.host.metadata.name);

describe('examples/', () => {
  it('applies as a directory (`apply -f examples/`): its files define each object once', () => {
    expect(names(['examples/'])).toEqual(['host-0', 'host-1', 'host-2']);
  });

  it('with-image/ is the same hosts with an image on host-0 (apply it after examples/hosts.yaml)', () => {
    const hosts = loadManifests(readManifestSources(['examples/with-image/'])).hosts;
    expect(hosts.map((h) => h.host.metadata.name)).toEqual(['host-0', 'host-1', 'host-2']);
    expect(hosts[0]?.host.spec.image?.url).toMatch(/\.qcow2$/);
  });

  it('reads a directory one level deep, as kubectl without -R', () => {
    const sources = readManifestSources(['examples']);
    expect(sources.map((s) => s.name)).toEqual(['examples/hosts.yaml']);
  });
});
