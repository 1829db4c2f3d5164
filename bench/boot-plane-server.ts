/**
 * metalflow's DHCP or TFTP server alone, as bench/boot-plane runs it inside the server's network
 * namespace (its own process, so its RSS and fds are measured like the peer's):
 *   boot-plane-server.ts dhcp <server ip> <first,last> <file of registered MACs> <lease file>
 *   boot-plane-server.ts tftp <server ip> <root>
 *   boot-plane-server.ts http <server ip> <dir> <agent MAC> <cert.pem> <key.pem> [node|nginx]   (80 plain, 8083 TLS; nginx: the supervised nginx front)
 * Prints `ready` once listening; on SIGTERM prints `stats <json>` (the server's counters) and exits.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { BootConfigStore } from '../src/boot/boot-config.js';
import { startBootServices } from '../src/boot/boot-services.js';
import { LeaseStore } from '../src/boot/dhcp/leases.js';
import { DhcpResponder } from '../src/boot/dhcp/responder.js';
import { DhcpServer } from '../src/boot/dhcp/server.js';
import { TftpServer } from '../src/boot/tftp/server.js';

const [kind, serverIp = '', arg1 = '', arg2 = '', arg3 = ''] = process.argv.slice(2);
// Warnings only, as a production worker at METALFLOW_LOG_LEVEL=warn (dnsmasq runs with --quiet-dhcp).
const log = (level: 'debug' | 'info' | 'warn', message: string): void => {
  if (level === 'warn') process.stderr.write(`${message}\n`);
};

let server: { close(): Promise<void>; stats: object };
if (kind === 'dhcp') {
  const range = arg1.split(',') as [string, string];
  const known = new Set(readFileSync(arg2, 'utf8').split('\n').filter(Boolean));
  const responder = new DhcpResponder(
    { mode: 'full', serverIp, subnetMask: '255.255.255.0', range, leaseSeconds: 3600, allowUnknown: false, ipxeScriptUrl: (mac) => `http://${serverIp}/ipxe/${mac}/boot.ipxe`, httpBase: `http://${serverIp}/firmware` },
    known,
    new LeaseStore({ range, file: arg3 }),
  );
  // DHCP must hear broadcasts: the wildcard address, inside the server's own namespace.
  const dhcp = new DhcpServer(responder, { port: 67, log });
  await dhcp.start();
  server = dhcp;
} else if (kind === 'tftp') {
  const tftp = new TftpServer({ root: arg1, port: 69, bindAddress: serverIp, log });
  await tftp.start();
  server = tftp;
} else if (kind === 'http') {
  // The boot worker's HTTP server as it starts it (plain and the vmedia TLS port), logging at the
  // default level (info) as a production worker does, to /dev/null instead of a journal.
  const logger = pino({ level: 'info' }, pino.destination('/dev/null'));
  const store = new BootConfigStore();
  store.set({ mac: arg2, uuid: '00000000-0000-4000-8000-000000000001', name: 'bench', action: 'agent' });
  const services = await startBootServices(
    {
      bootIp: serverIp,
      http: { host: serverIp, port: 80, agentDir: join(arg1, 'agent'), imagesDir: join(arg1, 'images'), firmwareDir: join(arg1, 'firmware'), staticServer: process.argv[8] === 'nginx' ? 'nginx' : 'node' },
      tls: { vmediaPort: 8083 },
      agent: { kernel: 'vmlinuz', initramfs: 'initramfs', extraKernelParams: 'console=ttyS0', insecure: false },
      apiUrl: `https://${serverIp}:6385`,
    },
    store,
    join(arg1, 'data'),
    (level, message) => logger[level](message),
    'bench',
    { cert: readFileSync(arg3, 'utf8'), key: readFileSync(process.argv[7] ?? '', 'utf8') },
  );
  server = { close: () => services.close(), stats: {} };
} else {
  throw new Error(`usage: boot-plane-server.ts dhcp|tftp|http <server ip> …`);
}
process.stdout.write('ready\n');
const stop = (): void =>
  void server.close().then(() => {
    process.stdout.write(`stats ${JSON.stringify(server.stats)}\n`, () => process.exit(0));
  });
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
