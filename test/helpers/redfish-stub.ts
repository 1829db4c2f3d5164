/**
 * A one-system Redfish BMC on loopback for workflow and driver tests: power state, Reset
 * (recorded), boot override PATCH, a virtual CD (InsertMedia/EjectMedia) and the SecureBoot
 * resource; every request is recorded. `ignoreSoftOff` makes it ignore GracefulShutdown, as a BMC
 * whose OS does not handle ACPI does, so only ForceOff turns it off. `secureBoot: false` leaves the
 * SecureBoot resource out (a BMC that cannot).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';

export const STUB_SYSTEM_PATH = '/redfish/v1/Systems/1';
const CD = `${STUB_SYSTEM_PATH}/VirtualMedia/Cd`;
const SECURE_BOOT = `${STUB_SYSTEM_PATH}/SecureBoot`;

export interface StubRequest {
  method: string;
  url: string;
  body?: unknown;
}

export interface RedfishStub {
  url: string;
  resets: string[];
  /** Every POST and PATCH, in order (GETs are left out: they change nothing). */
  requests: StubRequest[];
  power(): 'On' | 'Off';
  media(): { Image: string; Inserted: boolean };
  secureBoot(): boolean;
  close(): Promise<void>;
}

export async function startRedfishStub(opts: { power: 'On' | 'Off'; ignoreSoftOff?: boolean; media?: string; secureBoot?: boolean; secureBootEnabled?: boolean }): Promise<RedfishStub> {
  let power = opts.power;
  const media = { Image: opts.media ?? '', Inserted: opts.media !== undefined };
  let secure = opts.secureBootEnabled === true;
  const resets: string[] = [];
  const requests: StubRequest[] = [];
  const json = (res: ServerResponse, v: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = body ? (JSON.parse(body) as Record<string, unknown>) : undefined;
      if (req.method !== 'GET') requests.push({ method: req.method ?? '', url: req.url ?? '', ...(parsed ? { body: parsed } : {}) });
      if (req.method === 'POST' && req.url === `${STUB_SYSTEM_PATH}/Actions/ComputerSystem.Reset`) {
        const type = (parsed as { ResetType?: string } | undefined)?.ResetType ?? '';
        resets.push(type);
        if (type === 'On' || type === 'ForceOn') power = 'On';
        if (type === 'ForceOff' || (type === 'GracefulShutdown' && !opts.ignoreSoftOff)) power = 'Off';
        return res.writeHead(204).end();
      }
      if (req.method === 'POST' && req.url === `${CD}/Actions/VirtualMedia.InsertMedia`) {
        Object.assign(media, { Image: String((parsed as { Image?: string } | undefined)?.Image ?? ''), Inserted: true });
        return res.writeHead(204).end();
      }
      if (req.method === 'POST' && req.url === `${CD}/Actions/VirtualMedia.EjectMedia`) {
        Object.assign(media, { Image: '', Inserted: false });
        return res.writeHead(204).end();
      }
      if (req.method === 'PATCH' && req.url === SECURE_BOOT && opts.secureBoot !== false) {
        secure = (parsed as { SecureBootEnable?: boolean } | undefined)?.SecureBootEnable === true;
        return res.writeHead(204).end();
      }
      if (req.method === 'PATCH' && req.url === STUB_SYSTEM_PATH) return res.writeHead(204).end();
      if (req.method === 'GET' && req.url === STUB_SYSTEM_PATH) {
        return json(res, {
          '@odata.id': STUB_SYSTEM_PATH,
          PowerState: power,
          VirtualMedia: { '@odata.id': `${STUB_SYSTEM_PATH}/VirtualMedia` },
          ...(opts.secureBoot !== false ? { SecureBoot: { '@odata.id': SECURE_BOOT } } : {}),
          Actions: { '#ComputerSystem.Reset': { target: `${STUB_SYSTEM_PATH}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart'] } },
        });
      }
      if (req.method === 'GET' && req.url === `${STUB_SYSTEM_PATH}/VirtualMedia`) return json(res, { Members: [{ '@odata.id': CD }] });
      if (req.method === 'GET' && req.url === CD) return json(res, { '@odata.id': CD, MediaTypes: ['CD', 'DVD'], ...media });
      if (req.method === 'GET' && req.url === SECURE_BOOT && opts.secureBoot !== false) return json(res, { '@odata.id': SECURE_BOOT, SecureBootEnable: secure });
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    resets,
    requests,
    power: () => power,
    media: () => ({ ...media }),
    secureBoot: () => secure,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
