/**
 * A network namespace joined to the host by a veth pair, for tests that run real network clients
 * (the stock agent, DHCP/TFTP clients). Addresses are private test addresses that exist only on
 * this link; the namespace and the link are removed by `remove()` (call it in afterAll).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TestNetns {
  name: string;
  hostIf: string;
  nsIf: string;
  hostIp: string;
  nsIp: string;
  nsMac: string;
  /** argv prefix that runs a command inside the namespace. */
  exec: string[];
  remove(): void;
}

const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Creates `mf-<id>` with a /30 on 10.<a>.<b>.0 (random, so parallel runs do not clash). */
export function createTestNetns(opts: { nsMac: string }): TestNetns {
  const id = randomBytes(3).toString('hex');
  const [a = 0, b = 0] = randomBytes(2);
  const net = `10.${200 + (a % 50)}.${b}`;
  const t: TestNetns = {
    name: `mf-${id}`,
    hostIf: `mfh-${id}`,
    nsIf: `mfn-${id}`,
    hostIp: `${net}.1`,
    nsIp: `${net}.2`,
    nsMac: opts.nsMac,
    exec: ['ip', 'netns', 'exec', `mf-${id}`],
    remove: () => {
      try {
        ip('netns', 'del', t.name);
      } catch {
        // already gone
      }
      try {
        ip('link', 'del', t.hostIf); // normally gone with the namespace's end of the pair
      } catch {
        // already gone
      }
    },
  };
  try {
    ip('netns', 'add', t.name);
    ip('link', 'add', t.hostIf, 'type', 'veth', 'peer', 'name', t.nsIf);
    ip('link', 'set', t.nsIf, 'netns', t.name);
    ip('addr', 'add', `${t.hostIp}/30`, 'dev', t.hostIf);
    ip('link', 'set', t.hostIf, 'up');
    ip('netns', 'exec', t.name, 'ip', 'link', 'set', t.nsIf, 'address', t.nsMac);
    ip('netns', 'exec', t.name, 'ip', 'addr', 'add', `${t.nsIp}/30`, 'dev', t.nsIf);
    ip('netns', 'exec', t.name, 'ip', 'link', 'set', t.nsIf, 'up');
    ip('netns', 'exec', t.name, 'ip', 'link', 'set', 'lo', 'up');
  } catch (err) {
    t.remove();
    throw err;
  }
  return t;
}
