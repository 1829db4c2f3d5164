import { describe, expect, it } from 'vitest';
import { agentApiSettingsFromEnv } from '../../../src/config/agent-api-settings.js';

describe('agent API settings', () => {
  it('reads trusted proxy CIDRs and refuses malformed ones', () => {
    expect(agentApiSettingsFromEnv({}).trustedProxies).toEqual([]);
    expect(agentApiSettingsFromEnv({ METALFLOW_AGENT_TRUSTED_PROXIES: '10.0.0.0/24, fd00::1' }).trustedProxies).toEqual(['10.0.0.0/24', 'fd00::1']);
    expect(() => agentApiSettingsFromEnv({ METALFLOW_AGENT_TRUSTED_PROXIES: 'proxy.example' })).toThrow(/METALFLOW_AGENT_TRUSTED_PROXIES/);
    expect(() => agentApiSettingsFromEnv({ METALFLOW_AGENT_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/prefix/);
  });
});
