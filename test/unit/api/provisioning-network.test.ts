import { describe, expect, it } from 'vitest';
import { PROVISIONING_NETWORK_ANNOTATION, isValidProvisioningNetwork, provisioningNetworkOf } from '../../../src/api/provisioning-network.js';

describe('provisioning network of a host', () => {
  it('is the annotation, else default', () => {
    expect(provisioningNetworkOf({ [PROVISIONING_NETWORK_ANNOTATION]: 'rack-2' })).toBe('rack-2');
    expect(provisioningNetworkOf({})).toBe('default');
    expect(provisioningNetworkOf(undefined)).toBe('default');
    expect(provisioningNetworkOf({ [PROVISIONING_NETWORK_ANNOTATION]: '' })).toBe('default');
  });

  it('accepts DNS labels only (it names a task queue)', () => {
    for (const ok of ['default', 'rack-2', 'r', 'a'.repeat(63)]) expect(isValidProvisioningNetwork(ok)).toBe(true);
    for (const bad of ['Rack', 'rack_2', '-rack', 'rack-', 'a'.repeat(64), 'rack 2', 'boot/x']) expect(isValidProvisioningNetwork(bad)).toBe(false);
  });
});
