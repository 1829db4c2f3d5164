import { describe, expect, it } from 'vitest';
import { LAB_FAKE_DURATIONS, LAB_FAKE_NO_TIME, labHosts, labManifest } from '../../../lab/lab-manifest.js';
import { parseManifests } from '../../../src/api/manifest.js';
import { parseFakeOptions } from '../../../src/api/fake-annotations.js';

/** The fake driver's step durations of each host the lab manifest declares, as the worker reads them. */
function durationsOf(text: string): Array<Record<string, number>> {
  const parsed = parseManifests([{ name: 'lab.yaml', text }]);
  expect(parsed.errors).toEqual([]);
  return parsed.hosts.map((h) => parseFakeOptions(h.host.metadata.annotations ?? {}, 1000).durationsMs);
}

describe('labManifest fake durations', () => {
  const hosts = labHosts(3, { kind: 'fake' });

  it('gives every host the lab durations by default', () => {
    expect(LAB_FAKE_DURATIONS).toBe('inspect=3s,clean=2s,deploy=5s');
    for (const d of durationsOf(labManifest(hosts, 'lab', 'pw'))) expect(d).toMatchObject({ inspect: 3000, clean: 2000, deploy: 5000 });
  });

  it('takes every lifecycle step to 0 ms with LAB_FAKE_NO_TIME (the bench beside Ironic fake-hardware)', () => {
    const all = durationsOf(labManifest(hosts, 'lab', 'pw', () => true, LAB_FAKE_NO_TIME));
    expect(all).toHaveLength(3);
    for (const d of all) expect(d).toMatchObject({ register: 0, power: 0, inspect: 0, clean: 0, deploy: 0 });
  });
});
