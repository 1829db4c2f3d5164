import { describe, expect, it } from 'vitest';
import type { HostDefinition } from '../../../src/contract/index.js';
import { definitionFingerprint, withKeptSecrets } from '../../../src/workflows/spec-rules.js';

const sealed = (name: string, version: string): NonNullable<HostDefinition['secrets']['credentials']> => ({ name, version, keys: ['password', 'username'], sealed: `mf2.k.${name}${version}` });
const def = (credentialsName: string, secrets: HostDefinition['secrets']): HostDefinition => ({
  host: { apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'h', namespace: 'n' }, spec: { online: true, bmc: { address: 'fake://h', credentialsName }, userData: { name: 'ud' } } },
  secrets,
});

describe('withKeptSecrets (re-applied definitions that name Secrets without carrying them)', () => {
  const current = def('bmc', { credentials: sealed('bmc', 'v1'), userData: sealed('ud', 'v2') });

  it('keeps the sealed Secret of the same name and field, so the re-apply is unchanged', () => {
    const kept = withKeptSecrets(def('bmc', {}), current);
    expect(kept.secrets).toEqual(current.secrets);
    expect(definitionFingerprint(kept)).toBe(definitionFingerprint(current));
  });

  it('keeps nothing for a renamed reference, and a sent Secret wins', () => {
    expect(withKeptSecrets(def('other', {}), current).secrets.credentials).toBeUndefined();
    expect(withKeptSecrets(def('bmc', { credentials: sealed('bmc', 'v9') }), current).secrets.credentials?.version).toBe('v9');
  });
});
