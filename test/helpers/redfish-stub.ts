/**
 * A one-system Redfish BMC on loopback for workflow tests: power state, Reset (recorded), boot
 * override PATCH. `ignoreSoftOff` makes it ignore GracefulShutdown, as a BMC whose OS does not
 * handle ACPI does, so only ForceOff turns it off.
 */
import { createServer, type Server } from 'node:http';

export const STUB_SYSTEM_PATH = '/redfish/v1/Systems/1';

export interface RedfishStub {
  url: string;
  resets: string[];
  power(): 'On' | 'Off';
  close(): Promise<void>;
}

export async function startRedfishStub(opts: { power: 'On' | 'Off'; ignoreSoftOff?: boolean }): Promise<RedfishStub> {
  let power = opts.power;
  const resets: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === `${STUB_SYSTEM_PATH}/Actions/ComputerSystem.Reset`) {
        const type = (JSON.parse(body || '{}') as { ResetType?: string }).ResetType ?? '';
        resets.push(type);
        if (type === 'On' || type === 'ForceOn') power = 'On';
        if (type === 'ForceOff' || (type === 'GracefulShutdown' && !opts.ignoreSoftOff)) power = 'Off';
        return res.writeHead(204).end();
      }
      if (req.method === 'PATCH' && req.url === STUB_SYSTEM_PATH) return res.writeHead(204).end();
      if (req.method === 'GET' && req.url === STUB_SYSTEM_PATH) {
        const system = {
          '@odata.id': STUB_SYSTEM_PATH,
          PowerState: power,
          Actions: { '#ComputerSystem.Reset': { target: `${STUB_SYSTEM_PATH}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart'] } },
        };
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(system));
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    resets,
    power: () => power,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
