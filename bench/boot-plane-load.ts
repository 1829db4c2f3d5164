/**
 * The client side of bench/boot-plane, run inside a client or attacker network namespace:
 *   dhcp-load   <server ip> <macs> <clients> <seconds>      DORA for <macs> registered MACs, <clients> at once
 *   tftp-load   <server ip> <file> <client ips> <seconds>   back-to-back reads of <file>, one at a time from each client ip
 *   dhcp-attack <server ip> <first,last> <macs> <rate>      until SIGTERM
 *   tftp-attack <server ip> <big file> <small file> <rate>  until SIGTERM
 *   http-rps    <server ip> <port> <tls 0|1> <path> <connections> <seconds>   requests/s over keep-alive connections
 *   http-stream <url> <clients> <seconds>                   curl downloads at once, MiB/s
 *   tftp-single <server ip> <file> <bytes> <times>          one atftp client, lock-step, blksize 1468
 * Prints `ready` when it starts measuring (attacking), then `result <json>` when done (SIGTERM for attacks).
 */
import { createSocket, type Socket } from 'node:dgram';
import { decode, encodeAck } from '../src/boot/tftp/packets.js';
import { ATTACKER_MAC, DoraClient, dhcpAttackDatagram, isAttackXid, loadMac, readReply } from './dhcp-load.js';
import { LoadStats, packetsDue } from './load-stats.js';
import { httpRps, httpStream, tftpSingle } from './http-load.js';
import { tftpAttackDatagram, tftpFetch } from './tftp-load.js';

/** A DORA without its ACK after this long counts as failed (real clients retransmit after 4 s). */
const DORA_TIMEOUT_MS = 2000;

const [mode = '', serverIp = '', a = '', b = '', c = '', d = '', e = ''] = process.argv.slice(2);
const out = (line: string): void => void process.stdout.write(`${line}\n`);

function bindUdp(port: number, broadcast: boolean): Promise<Socket> {
  const sock = createSocket({ type: 'udp4', recvBufferSize: 8 * 2 ** 20 });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, () => {
      sock.off('error', reject);
      if (broadcast) sock.setBroadcast(true);
      resolve(sock);
    });
  });
}

async function dhcpLoad(macCount: number, clients: number, seconds: number): Promise<void> {
  const sock = await bindUdp(68, true);
  const client = new DoraClient();
  const stats = new LoadStats();
  const free = Array.from({ length: macCount }, (_, i) => loadMac(i));
  const timers = new Map<number, { mac: string; timer: NodeJS.Timeout }>();
  let timeouts = 0;
  const t0 = Date.now();
  const end = t0 + seconds * 1000;
  const finishOne = (xid: number): void => {
    const t = timers.get(xid);
    if (!t) return;
    clearTimeout(t.timer);
    timers.delete(xid);
    free.push(t.mac);
    startOne();
  };
  const startOne = (): void => {
    const mac = free.shift();
    if (!mac || Date.now() >= end) return void (mac && free.push(mac));
    const { xid, send } = client.begin(mac, Date.now());
    const timer = setTimeout(() => {
      timeouts++;
      client.abandon(xid);
      if (Date.now() <= end) stats.fail();
      finishOne(xid);
    }, DORA_TIMEOUT_MS);
    timers.set(xid, { mac, timer });
    sock.send(send, 67, '255.255.255.255');
  };
  sock.on('message', (msg) => {
    const now = Date.now();
    const r = client.receive(msg, now);
    if (!r?.step) return;
    if ('send' in r.step) return void sock.send(r.step.send, 67, '255.255.255.255');
    if (now <= end) {
      if ('done' in r.step) stats.done(r.step.done);
      else stats.fail();
    }
    finishOne(r.xid);
  });
  out('ready');
  for (let i = 0; i < Math.min(clients, macCount); i++) startOne();
  await new Promise((r) => setTimeout(r, end - Date.now()));
  for (const t of timers.values()) clearTimeout(t.timer);
  sock.close();
  out(`result ${JSON.stringify({ ...stats.summary((Date.now() - t0) / 1000), timeouts })}`);
}

async function tftpLoad(file: string, clients: string[], seconds: number): Promise<void> {
  const stats = new LoadStats();
  const t0 = Date.now();
  const deadline = t0 + seconds * 1000;
  const reasons = new Map<string, number>();
  let window = 1;
  out('ready');
  await Promise.all(
    clients.map(async (localAddress) => {
      while (Date.now() < deadline) {
        const r = await tftpFetch({ host: serverIp, port: 69, file, localAddress, blksize: 1468, windowsize: 8, timeoutMs: 1000, retries: 5, deadline, onBytes: (n) => (stats.bytes += n) });
        window = r.window;
        if (r.outcome === 'completed') stats.done(r.ms);
        if (r.outcome === 'failed') {
          stats.fail();
          reasons.set(r.reason ?? '?', (reasons.get(r.reason ?? '?') ?? 0) + 1);
          await new Promise((res) => setTimeout(res, 100)); // not a busy loop against a refusing server
        }
      }
    }),
  );
  out(`result ${JSON.stringify({ ...stats.summary((Date.now() - t0) / 1000), window, failures: Object.fromEntries(reasons) })}`);
}

/** Sends `datagram(i)` at `rate` per second until SIGTERM, then prints what it sent and got back. */
async function attack(rate: number, socks: Socket[], datagram: (i: number) => Buffer, port: number, counters: { receivedBytes: number; answers: number; sentBytes: number }): Promise<void> {
  let sent = 0;
  const t0 = Date.now();
  const tick = setInterval(() => {
    // Catch up after a stall, but never more than a tenth of a second's worth at once.
    const due = Math.min(packetsDue(rate, Date.now() - t0, sent), Math.ceil(rate / 10));
    for (let k = 0; k < due; k++, sent++) {
      const d = datagram(sent);
      counters.sentBytes += d.length;
      (socks[sent % socks.length] as Socket).send(d, port, serverIp);
    }
  }, 10);
  out('ready');
  await new Promise<void>((r) => process.once('SIGTERM', () => r()));
  clearInterval(tick);
  const seconds = (Date.now() - t0) / 1000;
  out(`result ${JSON.stringify({ seconds, packets: sent, ...counters })}`);
  socks.forEach((s) => s.close());
}

async function dhcpAttack(range: [string, string], macCount: number, rate: number): Promise<void> {
  const sock = await bindUdp(68, true);
  const counters = { receivedBytes: 0, answers: 0, sentBytes: 0 };
  sock.on('message', (msg) => {
    const r = readReply(msg);
    if (r && isAttackXid(r.xid)) {
      counters.answers++;
      counters.receivedBytes += msg.length;
    }
  });
  const target = { serverIp, range, attackerMac: ATTACKER_MAC, victims: Array.from({ length: macCount }, (_, i) => loadMac(i)) };
  await attack(rate, [sock], (i) => dhcpAttackDatagram(i, target), 67, counters);
}

async function tftpAttack(bigFile: string, smallFile: string, rate: number): Promise<void> {
  const socks = await Promise.all(Array.from({ length: 16 }, () => bindUdp(0, false)));
  const counters = { receivedBytes: 0, answers: 0, sentBytes: 0 };
  const acked = new Set<string>();
  for (const sock of socks) {
    sock.on('message', (msg, rinfo) => {
      counters.answers++;
      counters.receivedBytes += msg.length;
      // The amplification probe: one ACK 0 to the OACK of about half the windowsize transfers, then silence.
      if (msg.readUInt16BE(0) !== 6 || rinfo.port % 2 !== 0) return;
      const tid = `${rinfo.port}/${sock.address().port}`;
      if (acked.has(tid)) return;
      if (acked.size > 100_000) acked.clear();
      acked.add(tid);
      try {
        if (decode(msg).op !== 'oack') return;
      } catch {
        return;
      }
      const ack = encodeAck(0);
      counters.sentBytes += ack.length;
      sock.send(ack, rinfo.port, rinfo.address);
    });
  }
  await attack(rate, socks, (i) => tftpAttackDatagram(i, { bigFile, smallFile }), 69, counters);
}

switch (mode) {
  case 'dhcp-load':
    await dhcpLoad(Number(a), Number(b), Number(c));
    break;
  case 'tftp-load':
    await tftpLoad(a, b.split(','), Number(c));
    break;
  case 'dhcp-attack':
    await dhcpAttack(a.split(',') as [string, string], Number(b), Number(c));
    break;
  case 'tftp-attack':
    await tftpAttack(a, b, Number(c));
    break;
  case 'http-rps':
    out(`result ${JSON.stringify(await httpRps({ host: serverIp, port: Number(a), tls: b === '1', path: c, connections: Number(d), seconds: Number(e) }))}`);
    break;
  case 'http-stream':
    out(`result ${JSON.stringify(await httpStream(serverIp, Number(a), Number(b)))}`);
    break;
  case 'tftp-single':
    out(`result ${JSON.stringify(await tftpSingle(serverIp, a, Number(b), Number(c)))}`);
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
process.exit(0);
