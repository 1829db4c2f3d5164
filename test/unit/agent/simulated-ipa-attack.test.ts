/**
 * The simulated agent's command API (labs, tests) shares the listener of the real servers: a
 * malformed target is a 400, not a failed handler, and it keeps serving.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portOf } from '../../../src/agent/http-server.js';
import { SimulatedIpaServer } from '../../../lab/agents/ipa-server.js';
import { get, itAnswersEach, rawRequest, trackRejections } from '../../helpers/raw-http.js';

const rejections = trackRejections();
let server: Server;
let port = 0;

beforeAll(async () => {
  server = await new SimulatedIpaServer().listen(0, '127.0.0.1');
  port = portOf(server);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('simulated agent: malformed requests', () => {
  itAnswersEach(
    [
      ['authority-like target //[', get('//['), [400]],
      ['bad percent-encoding in the host id', get('/%E0%A4%A/v1/status'), [400]],
      ['absolute-form', get('http://evil/h/v1/status'), [400]],
    ],
    () => port,
  );

  it('still serves and nothing reached an unhandled rejection', async () => {
    expect(rejections).toEqual([]);
    expect((await rawRequest(port, get('/unknown/v1/status'))).status).toBe(404);
  });
});
