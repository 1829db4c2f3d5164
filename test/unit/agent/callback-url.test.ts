/** The heartbeat callback URL must point back at the heartbeat's own address (or the agent behind a trusted proxy). */
import { describe, expect, it } from 'vitest';
import { agentSourceAddress, canonicalIp, checkCallbackUrl, trustedProxyList } from '../../../src/agent/callback-url.js';

describe('callback URL rule', () => {
  it('normalises IPv4-mapped IPv6 and IPv6 spellings', () => {
    expect(canonicalIp('::ffff:10.0.0.5')).toBe('10.0.0.5');
    expect(canonicalIp('[::ffff:a00:5]')).toBe('10.0.0.5');
    expect(canonicalIp('FD00:0:0::1')).toBe('fd00::1');
    expect(canonicalIp('fe80::1%eth0')).toBeUndefined();
    expect(canonicalIp('example.org')).toBeUndefined();
  });

  it('accepts the agent\'s own address, in any spelling', () => {
    expect(checkCallbackUrl('http://10.0.0.5:9999', '10.0.0.5')).toBe('http://10.0.0.5:9999');
    expect(checkCallbackUrl('https://[fd00::5]:9999/node', canonicalIp('fd00:0::5'))).toBe('https://[fd00::5]:9999/node');
    expect(checkCallbackUrl('http://10.0.0.5:9999', canonicalIp('::ffff:10.0.0.5'))).toBe('http://10.0.0.5:9999');
  });

  it('refuses other hosts, names, credentials, queries, port 0, other schemes and non-strings', () => {
    for (const url of ['http://10.0.0.6:9999', 'http://agent.local:9999', 'http://a:b@10.0.0.5:9999', 'http://10.0.0.5:9999/?', 'http://10.0.0.5:9999/#x', 'http://10.0.0.5:0', 'ftp://10.0.0.5', 'javascript:alert(1)', 42, `http://10.0.0.5:9999/${'a'.repeat(3000)}`]) {
      expect(() => checkCallbackUrl(url, '10.0.0.5'), String(url)).toThrow(/callback_url/);
    }
    expect(() => checkCallbackUrl('http://10.0.0.5:9999', undefined)).toThrow(/callback_url/);
  });

  it('takes the agent address from X-Forwarded-For only behind a trusted proxy', () => {
    const trusted = trustedProxyList(['192.0.2.0/24']);
    expect(agentSourceAddress('198.51.100.7', '10.0.0.5', trusted)).toBe('198.51.100.7'); // not a proxy: header ignored
    expect(agentSourceAddress('::ffff:192.0.2.1', '6.6.6.6, 10.0.0.5', trusted)).toBe('10.0.0.5'); // rightmost hop the proxy added
    expect(agentSourceAddress('192.0.2.1', '10.0.0.5, 192.0.2.2', trusted)).toBe('10.0.0.5'); // chained proxies skipped
    expect(agentSourceAddress('192.0.2.1', undefined, trusted)).toBeUndefined();
    expect(agentSourceAddress('192.0.2.1', 'garbage', trusted)).toBeUndefined();
  });
});
