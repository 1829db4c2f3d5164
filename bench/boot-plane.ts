/**
 * bench/boot-plane: the boot plane's protocol servers under load, with and without an attacker on
 * the same link, beside the Debian peers in the same run. On a private bridge of network
 * namespaces (server, client, attacker):
 *   DHCP: metalflow's DhcpServer (full mode, a pool, N registered MACs) vs dnsmasq configured
 *         alike; DORA/s and p50/p95 latency from a TypeScript load generator (K exchanges at once).
 *   TFTP: metalflow's TftpServer vs tftpd-hpa (in.tftpd --secure) on the same files; MiB/s for a
 *         4 MiB file and transfers/s for a 64 KiB one (blksize 1468, windowsize 8 where the server
 *         agrees, C transfers at once).
 *   Throughput (boot-plane-throughput.ts): a 1 GiB image to several curl clients and iPXE script
 *         requests/s, plain and HTTPS, beside nginx; one lock-step atftp client reading 20 MiB at
 *         blksize 1468 beside tftpd-hpa.
 * Each DHCP/TFTP figure is taken without and then under attack (a fixed-rate flood from another address:
 * spoofed DECLINE/RELEASE, unknown DISCOVERs, garbage; TFTP RRQs with windowsize=65535 and
 * timeout=255, abandoned transfers, garbage), with the attacker's amplification and the server's
 * memory and descriptors. Runs as root; everything it creates is removed on exit or Ctrl-C.
 *   npm run bench:boot-plane -- --seconds 8 --clients 16 [--macs 128] [--attack-rate 2000] [--json]
 *     [--parts dhcp,tftp,throughput] [--streams 4] [--connections 16] [--tftp-times 3]
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LabNetwork, type LanMember } from '../lab/lab-network.js';
import { BenchProcesses, usage, type NsProcess, type Usage } from './boot-plane-procs.js';
import { ATTACKER_MAC, loadMac } from './dhcp-load.js';
import { ThroughputBench, throughputTable, type ThroughputColumn } from './boot-plane-throughput.js';
import { amplification, type LoadSummary } from './load-stats.js';
import { fmt } from './measure.js';

/** The attack is stopped (and the figure marked) if the attacked server grows past these: the bench shares its machine. */
export const ATTACK_MEMORY_CAP_MIB = 1024;
export const ATTACK_PROCESS_CAP = 1000;
/** Time the attack runs before the load starts, so the figure is taken under it. */
const ATTACK_LEAD_MS = 1000;
const BIG = { name: 'big.bin', bytes: 4 * 2 ** 20 };
const SMALL = { name: 'small.bin', bytes: 64 * 2 ** 10 };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (m: string): void => void process.stderr.write(`[boot-plane] ${m}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Options {
  seconds: number;
  clients: number;
  macs: number;
  attackRate: number;
  parts: Set<string>;
  streams: number;
  connections: number;
  tftpTimes: number;
}

interface Attack {
  packets: number;
  sentBytes: number;
  receivedBytes: number;
  amplification: number;
  /** Why it was stopped before the load ended (a safety cap), if it was. */
  stoppedEarly?: string;
}

interface Column {
  server: string;
  attacked: boolean;
  dora?: LoadSummary & { timeouts: number };
  tftpBig?: LoadSummary & { window: number };
  tftpSmall?: LoadSummary & { window: number };
  attack?: Attack;
  usage: Usage;
}

interface Round {
  server: string;
  atStart: Usage;
  quiet: Column;
  attacked: Column;
  stats?: unknown;
}

class Bench {
  readonly dir = mkdtempSync(join(tmpdir(), 'boot-plane-'));
  readonly lan = new LabNetwork();
  readonly procs = new BenchProcesses(root, join(this.dir, 'bench.log'));
  readonly srv: LanMember;
  readonly cli: LanMember;
  readonly atk: LanMember;
  readonly range: [string, string];

  constructor(readonly o: Options) {
    try {
      this.srv = this.lan.member('srv', { host: 1 });
      this.cli = this.lan.member('cli', { host: 10 });
      this.atk = this.lan.member('atk', { host: 66 });
      // One address per concurrent TFTP client, as that many machines booting (per-client caps apply per address).
      for (const ip of this.clientIps.slice(1)) execFileSync('ip', ['-n', this.cli.ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      this.range = [`${this.lan.prefix}.100`, `${this.lan.prefix}.250`];
      chmodSync(this.dir, 0o755); // in.tftpd serves as nobody from inside it
      mkdirSync(this.tftpRoot, { mode: 0o755 });
      for (const f of [BIG, SMALL]) writeFileSync(join(this.tftpRoot, f.name), Buffer.alloc(f.bytes, 0x5a), { mode: 0o644 });
      writeFileSync(join(this.dir, 'macs'), [...Array.from({ length: o.macs }, (_, i) => loadMac(i)), ATTACKER_MAC].join('\n'));
    } catch (err) {
      this.cleanUp();
      throw err;
    }
  }

  /** The client namespace's addresses: .10 (its own) and up, one per concurrent TFTP transfer. */
  get clientIps(): string[] {
    return Array.from({ length: this.o.clients }, (_, i) => `${this.lan.prefix}.${10 + i}`);
  }

  get tftpRoot(): string {
    return join(this.dir, 'tftp');
  }

  /** Synchronous: safe from exit and signal handlers. */
  cleanUp(): void {
    this.procs.killAll();
    this.lan.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }

  node(ns: LanMember, name: string, script: string, args: Array<string | number>): NsProcess {
    return this.procs.start(ns.ns, name, [process.execPath, '--import', 'tsx', join(root, 'bench', script), ...args.map(String)]);
  }

  /** Resolves once something listens on `port` (UDP unless told) in the server's namespace. */
  async listening(p: NsProcess, port: number, what: string, proto: 'tcp' | 'udp' = 'udp'): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (p.proc.exitCode !== null) throw new Error(`${what} exited with ${p.proc.exitCode}:\n${p.lines.slice(-20).join('\n')}`);
      if (execFileSync('ss', ['-N', this.srv.ns, proto === 'tcp' ? '-Htnl' : '-Hunl', `sport = :${port}`], { encoding: 'utf8' }).trim()) return;
      await sleep(100);
    }
    throw new Error(`${what}: nothing listens on ${proto.toUpperCase()} ${port} after 30 s`);
  }

  async load<T>(name: string, args: Array<string | number>): Promise<T> {
    const p = this.node(this.cli, name, 'boot-plane-load.ts', args);
    try {
      const line = await p.waitLine(/^result /, (this.o.seconds + 120) * 1000);
      return JSON.parse(line.slice('result '.length)) as T;
    } finally {
      await p.stop();
    }
  }

  /** Starts the attacker; `stop()` ends it and returns its counters. A watchdog stops it early if the server grows past the caps. */
  async attack(args: Array<string | number>, serverPid: number): Promise<{ stop(): Promise<Attack> }> {
    const p = this.node(this.atk, 'attacker', 'boot-plane-load.ts', args);
    await p.waitLine(/^ready$/);
    let stoppedEarly: string | undefined;
    const watchdog = setInterval(() => {
      const u = usage(serverPid);
      if (u.pssMiB > ATTACK_MEMORY_CAP_MIB) stoppedEarly = `server memory (PSS) ${fmt(u.pssMiB, 0)} MiB > ${ATTACK_MEMORY_CAP_MIB} MiB`;
      else if (u.processes > ATTACK_PROCESS_CAP) stoppedEarly = `server processes ${u.processes} > ${ATTACK_PROCESS_CAP}`;
      if (stoppedEarly) {
        log(`attack stopped early: ${stoppedEarly}`);
        clearInterval(watchdog);
        p.proc.kill('SIGTERM');
      }
    }, 250);
    await sleep(ATTACK_LEAD_MS);
    return {
      stop: async () => {
        clearInterval(watchdog);
        p.proc.kill('SIGTERM');
        const line = await p.waitLine(/^result /, 30_000);
        await p.stop();
        const r = JSON.parse(line.slice('result '.length)) as Omit<Attack, 'amplification'>;
        return { ...r, amplification: amplification(r.sentBytes, r.receivedBytes), ...(stoppedEarly ? { stoppedEarly } : {}) };
      },
    };
  }

  dhcpRound = (server: string, start: () => NsProcess): Promise<Round> =>
    this.round('DHCP', server, start, 67, async () => ({ dora: await this.load('dhcp-load', ['dhcp-load', this.srv.ip ?? '', this.o.macs, this.o.clients, this.o.seconds]) }), [
      'dhcp-attack',
      this.srv.ip ?? '',
      this.range.join(','),
      this.o.macs,
      this.o.attackRate,
    ]);

  tftpRound = (server: string, start: () => NsProcess): Promise<Round> =>
    this.round(
      'TFTP',
      server,
      start,
      69,
      async () => ({
        tftpBig: await this.load('tftp-load', ['tftp-load', this.srv.ip ?? '', BIG.name, this.clientIps.join(','), this.o.seconds]),
        tftpSmall: await this.load('tftp-load', ['tftp-load', this.srv.ip ?? '', SMALL.name, this.clientIps.join(','), this.o.seconds]),
      }),
      ['tftp-attack', this.srv.ip ?? '', BIG.name, SMALL.name, this.o.attackRate],
    );

  /** One server: started, measured quiet, measured under attack, stopped; its usage at each step. */
  private async round(what: string, server: string, start: () => NsProcess, port: number, measure: () => Promise<Partial<Column>>, attackArgs: Array<string | number>): Promise<Round> {
    log(`${what}: ${server}`);
    const p = start();
    try {
      await this.listening(p, port, server);
      const atStart = usage(p.pid);
      const quiet: Column = { server, attacked: false, ...(await measure()), usage: usage(p.pid) };
      const attack = await this.attack(attackArgs, p.pid);
      const under = await measure();
      const attacked: Column = { server, attacked: true, ...under, attack: await attack.stop(), usage: usage(p.pid) };
      return { server, atStart, quiet, attacked, ...(await this.stopServer(p)) };
    } finally {
      await p.stop();
    }
  }

  /** Stops a server; ours print their counters on the way out. */
  private async stopServer(p: NsProcess): Promise<{ stats?: unknown }> {
    await p.stop();
    const line = p.lines.find((l) => l.startsWith('stats '));
    return line ? { stats: JSON.parse(line.slice('stats '.length)) } : {};
  }

  metalflowDhcp = (): NsProcess => this.node(this.srv, 'metalflow-dhcp', 'boot-plane-server.ts', ['dhcp', this.srv.ip ?? '', this.range.join(','), join(this.dir, 'macs'), join(this.dir, 'metalflow-leases.json')]);
  metalflowTftp = (): NsProcess => this.node(this.srv, 'metalflow-tftp', 'boot-plane-server.ts', ['tftp', this.srv.ip ?? '', this.tftpRoot]);

  dnsmasq = (): NsProcess => {
    const hosts = join(this.dir, 'dnsmasq-hosts');
    copyFileSync(join(this.dir, 'macs'), hosts); // one MAC a line: a dhcp-host each
    // DHCP only (port=0), this configuration only, registered MACs only, no ping before offering
    // (metalflow does not ping either), routine DHCP not logged (ours logs warnings only).
    return this.procs.start(this.srv.ns, 'dnsmasq', [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--port=0',
      '--interface=eth0',
      '--user=root',
      '--pid-file',
      '--log-facility=-',
      '--quiet-dhcp',
      '--no-ping',
      `--dhcp-range=${this.range.join(',')},255.255.255.0,1h`,
      `--dhcp-hostsfile=${hosts}`,
      '--dhcp-ignore=tag:!known',
      `--dhcp-leasefile=${join(this.dir, 'dnsmasq.leases')}`,
    ]);
  };

  tftpdHpa = (): NsProcess => this.procs.start(this.srv.ns, 'tftpd-hpa', ['in.tftpd', '--foreground', '--secure', '--address', `${this.srv.ip}:69`, this.tftpRoot]);
}

function table(dhcp: Round[], tftp: Round[], o: Options): string {
  const [mfD, peerD] = dhcp;
  const [mfT, peerT] = tftp;
  const cols = (f: (c: Column, r: Round) => string, a?: Round, b?: Round): string[] => [a, b].flatMap((r) => (r ? [f(r.quiet, r), f(r.attacked, r)] : ['-', '-']));
  const mark = (c: Column, s: string): string => (c.attack?.stoppedEarly ? `${s} †` : s);
  const rows: Array<[string, string[]]> = [
    ['DHCP DORA/s', cols((c) => mark(c, fmt(c.dora?.perSecond ?? NaN, 0)), mfD, peerD)],
    ['DHCP p50 / p95 latency ms', cols((c) => `${fmt(c.dora?.p50Ms ?? NaN)} / ${fmt(c.dora?.p95Ms ?? NaN)}`, mfD, peerD)],
    ['DHCP DORA failed (timeouts)', cols((c) => `${c.dora?.failed ?? '-'} (${c.dora?.timeouts ?? '-'})`, mfD, peerD)],
    ['TFTP MiB/s (4 MiB file)', cols((c) => mark(c, `${fmt(c.tftpBig?.mibPerSecond ?? NaN)} (w${c.tftpBig?.window ?? '?'})`), mfT, peerT)],
    ['TFTP transfers/s (64 KiB file)', cols((c) => mark(c, fmt(c.tftpSmall?.perSecond ?? NaN, 0)), mfT, peerT)],
    ['TFTP transfers failed (4 MiB / 64 KiB)', cols((c) => `${c.tftpBig?.failed ?? '-'} / ${c.tftpSmall?.failed ?? '-'}`, mfT, peerT)],
    ['DHCP amplification (bytes to attacker / bytes from it)', cols((c) => (c.attack ? fmt(c.attack.amplification, 3) : ''), mfD, peerD)],
    ['TFTP amplification', cols((c) => (c.attack ? fmt(c.attack.amplification, 2) : ''), mfT, peerT)],
    ['DHCP server memory MiB, PSS (start → after)', cols((c, r) => `${fmt(c.attacked ? r.quiet.usage.pssMiB : r.atStart.pssMiB)} → ${fmt(c.usage.pssMiB)}`, mfD, peerD)],
    ['TFTP server memory MiB, PSS of all its processes (start → after)', cols((c, r) => `${fmt(c.attacked ? r.quiet.usage.pssMiB : r.atStart.pssMiB)} → ${fmt(c.usage.pssMiB)}`, mfT, peerT)],
    ['DHCP server fds (start → after)', cols((c, r) => `${c.attacked ? r.quiet.usage.fds : r.atStart.fds} → ${c.usage.fds}`, mfD, peerD)],
    ['TFTP server fds / processes after', cols((c) => `${c.usage.fds} / ${c.usage.processes}`, mfT, peerT)],
  ];
  const head = ['', 'metalflow', 'metalflow under attack', 'dnsmasq / tftpd-hpa', 'dnsmasq / tftpd-hpa under attack'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map(([name, v]) => `| ${name} | ${v.join(' | ')} |`)];
  const early = [...dhcp, ...tftp].filter((r) => r.attacked.attack?.stoppedEarly);
  lines.push(
    '',
    `- ${o.seconds} s per figure; DHCP: ${o.macs} registered MACs, ${o.clients} DORA at once, pool of 151, lease 1 h; TFTP: ${o.clients} clients (one address each) reading back to back, blksize 1468, windowsize 8 asked (wN: what the server agreed)`,
    `- attack: ${o.attackRate} datagrams/s from one other address (its own namespace) on the same bridge, starting ${ATTACK_LEAD_MS / 1000} s before the load; DHCP: 3/10 DECLINE of pool addresses from a registered MAC, 2/10 RELEASE forged with the load's MACs, 3/10 DISCOVER from random unknown MACs, 2/10 garbage; TFTP: 9/20 RRQ of the 4 MiB file with windowsize=65535 timeout=255 (about half of their OACKs ACKed once, then abandoned), 7/20 plain RRQs with timeout=255 never ACKed, 4/20 garbage`,
    '- dnsmasq: --port=0 --no-ping --quiet-dhcp, dhcp-host per MAC (hosts file), dhcp-ignore=tag:!known, its own lease file; tftpd-hpa: in.tftpd --foreground --secure --address (no RFC 7440 windowsize: lock-step)',
    '- memory (proportional set size, so pages a forked child shares are counted once) and fds from /proc: the server process and every process it forked (tftpd-hpa forks one per transfer)',
    ...early.map((r) => `- † ${r.server}: the attack was stopped early by the bench's safety cap (${r.attacked.attack?.stoppedEarly}); the figure was taken partly after it`),
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '8' },
      clients: { type: 'string', default: '16' },
      macs: { type: 'string', default: '128' },
      'attack-rate': { type: 'string', default: '2000' },
      parts: { type: 'string', default: 'dhcp,tftp,throughput' },
      streams: { type: 'string', default: '4' },
      connections: { type: 'string', default: '16' },
      'tftp-times': { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} ${v}: expected a positive whole number`);
    return n;
  };
  const o: Options = { seconds: int('seconds', values.seconds), clients: int('clients', values.clients), macs: int('macs', values.macs), attackRate: int('attack-rate', values['attack-rate']),
    parts: new Set(values.parts.split(',')),
    streams: int('streams', values.streams),
    connections: int('connections', values.connections),
    tftpTimes: int('tftp-times', values['tftp-times']),
  };
  for (const part of o.parts) if (!['dhcp', 'tftp', 'throughput'].includes(part)) throw new Error(`--parts: unknown part ${part} (dhcp, tftp, throughput)`);
  if (process.getuid?.() !== 0) throw new Error('bench/boot-plane creates network namespaces: run it as root');
  for (const bin of ['dnsmasq', 'in.tftpd', 'ss', ...(o.parts.has('throughput') ? ['nginx', 'atftp', 'curl', 'openssl'] : [])]) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${bin} not found: run scripts/setup-tools.sh (dnsmasq-base, tftpd-hpa, nginx, atftp)`);
    }
  }
  if (o.clients > 56) throw new Error(`--clients ${o.clients}: at most 56 (client addresses .10-.65 of the test network)`);
  if (o.macs > 150) throw new Error(`--macs ${o.macs}: the pool has 151 addresses (one is the attacker's)`);
  // Exit and signal handlers first: the namespaces exist from the moment the bench is built.
  const made: { bench?: Bench } = {};
  let cleaned = false;
  const cleanUp = (): void => {
    if (cleaned) return;
    cleaned = true;
    made.bench?.cleanUp();
  };
  process.once('exit', cleanUp);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      log(`${sig}: removing the bench's namespaces and processes`);
      cleanUp();
      process.exit(130);
    });
  }
  const bench = (made.bench = new Bench(o));
  log(`network ${bench.lan.lanNs} (members ${[bench.srv, bench.cli, bench.atk].map((m) => m.ns).join(', ')}), files in ${bench.dir}`);
  try {
    const dhcp = o.parts.has('dhcp') ? [await bench.dhcpRound('metalflow', bench.metalflowDhcp), await bench.dhcpRound('dnsmasq', bench.dnsmasq)] : [];
    const tftp = o.parts.has('tftp') ? [await bench.tftpRound('metalflow', bench.metalflowTftp), await bench.tftpRound('tftpd-hpa', bench.tftpdHpa)] : [];
    let throughput: ThroughputColumn[] = [];
    if (o.parts.has('throughput')) {
      const t = new ThroughputBench(bench, o);
      log('throughput: metalflow HTTP');
      const ours = await t.metalflow();
      log('throughput: metalflow HTTP with its nginx front');
      const front = await t.metalflow('nginx');
      log('throughput: nginx');
      const peer = await t.nginx();
      const tftpOf = async (server: string, start: () => NsProcess): Promise<ThroughputColumn> => {
        log(`throughput: ${server} TFTP`);
        const p = start();
        try {
          return await t.tftp(server, p);
        } finally {
          await p.stop();
        }
      };
      throughput = [ours, front, peer, await tftpOf('metalflow', bench.metalflowTftp), await tftpOf('tftpd-hpa', bench.tftpdHpa)];
    }
    const dnsmasqVersion = execFileSync('dnsmasq', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
    const tftpdVersion = execFileSync('sh', ['-c', 'in.tftpd -V 2>&1 || true'], { encoding: 'utf8' }).trim();
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ options: { ...o, parts: [...o.parts] }, peers: { dnsmasq: dnsmasqVersion, tftpd: tftpdVersion }, dhcp, tftp, throughput }, null, 1)}\n`);
    } else {
      const nginxVersion = o.parts.has('throughput') ? execFileSync('sh', ['-c', 'nginx -v 2>&1 || true'], { encoding: 'utf8' }).trim() : '';
      process.stdout.write(`# bench/boot-plane — ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${dnsmasqVersion}; ${tftpdVersion}${nginxVersion ? `; ${nginxVersion}` : ''}\n\n`);
      if (dhcp.length || tftp.length) process.stdout.write(`${table(dhcp, tftp, o)}\n\n`);
      const [ours, front, peer, oursTftp, peerTftp] = throughput;
      if (ours && peer && oursTftp && peerTftp) process.stdout.write(`${throughputTable(ours, front, peer, oursTftp, peerTftp, o)}\n`);
    }
  } finally {
    cleanUp();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
