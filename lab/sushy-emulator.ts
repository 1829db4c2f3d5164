/**
 * sushy-tools' Redfish emulator (`sushy-emulator --fake`), the Redfish BMC Metal3's dev-env uses:
 * N fake systems behind HTTP basic auth (bcrypt htpasswd), optionally over TLS.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Agent, request } from 'undici';
import { freePort, startProcess, waitReady, type LabProcess } from './processes.js';

export interface SushySystem {
  uuid: string;
  name: string;
  mac: string;
}

export interface SushyOptions {
  dir: string;
  systems: SushySystem[];
  username: string;
  password: string;
  port?: number;
  /** Serve HTTPS with this certificate and key (PEM files). */
  tls?: { cert: string; key: string };
  /** The project root (where .tools/emulators lives). */
  root?: string;
  /** PUT every system change here (sushy-tools' external notifier, what fake-ipa listens to). */
  notifyUrl?: string;
}

export interface Sushy extends LabProcess {
  url: string;
  port: number;
  systemPath(uuid: string): string;
}

export async function startSushy(opts: SushyOptions): Promise<Sushy> {
  const venv = join(resolve(opts.root ?? '.'), '.tools', 'emulators', 'bin');
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  writeHtpasswd(venv, opts.dir, opts.username, opts.password);
  const notifier = opts.notifyUrl ? ", 'external_notifier': True" : '';
  const systems = opts.systems.map((s) => `{'uuid': '${s.uuid}', 'name': '${s.name}', 'power_state': 'Off', 'nics': [{'mac': '${s.mac}', 'ip': '192.0.2.1'}]${notifier}}`);
  writeFileSync(
    join(opts.dir, 'sushy.conf'),
    [
      'SUSHY_EMULATOR_FAKE_DRIVER = True',
      `SUSHY_EMULATOR_AUTH_FILE = '${join(opts.dir, 'htpasswd')}'`,
      `SUSHY_EMULATOR_STATE_DIR = '${join(opts.dir, 'state')}'`,
      `SUSHY_EMULATOR_FAKE_SYSTEMS = [${systems.join(', ')}]`,
      ...(opts.notifyUrl ? [`EXTERNAL_NOTIFICATION_URL = '${opts.notifyUrl}'`] : []),
      ...(opts.tls ? [`SUSHY_EMULATOR_SSL_CERT = '${opts.tls.cert}'`, `SUSHY_EMULATOR_SSL_KEY = '${opts.tls.key}'`] : []),
    ].join('\n') + '\n',
  );
  const p = startProcess(join(venv, 'sushy-emulator'), ['--config', join(opts.dir, 'sushy.conf'), '--fake', '-i', '127.0.0.1', '-p', String(port)], join(opts.dir, 'sushy.log'));
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  await waitSushyReady(p, url);
  return { ...p, url, port, systemPath: (uuid) => `/redfish/v1/Systems/${uuid}` };
}

/** sushy-tools only accepts bcrypt htpasswd entries: hash with the bcrypt it depends on (in `venvBin`). */
export function writeHtpasswd(venvBin: string, dir: string, username: string, password: string): string {
  // Cost 4, not 12: sushy verifies on every request, and 300 ms of bcrypt per Redfish call would swamp the lab.
  const hash = execFileSync(join(venvBin, 'python'), ['-c', 'import bcrypt,sys;print(bcrypt.hashpw(sys.argv[1].encode(),bcrypt.gensalt(rounds=4)).decode())', password], { encoding: 'utf8' }).trim();
  const file = join(dir, 'htpasswd');
  writeFileSync(file, `${username}:${hash}\n`, { mode: 0o600 });
  return file;
}

/** Waits until sushy-tools answers /redfish/v1 (unauthenticated there: any 200 means it is up). */
export async function waitSushyReady(p: LabProcess, url: string): Promise<void> {
  // Readiness probe only: the lab's own self-signed certificate is not verified here.
  const probe = url.startsWith('https:') ? new Agent({ connect: { rejectUnauthorized: false } }) : undefined;
  await waitReady('sushy-emulator', p, async () => {
    const res = await request(`${url}/redfish/v1`, probe ? { dispatcher: probe } : {});
    await res.body.dump();
    return res.statusCode === 200;
  });
  await probe?.close();
}
