/**
 * The Ironic agent API against a corpus of malformed requests: each gets its error status (or the
 * connection is closed), the body caps are per endpoint, nothing reaches an unhandled rejection,
 * and the IPA sequence still works afterwards.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portOf } from '../../../src/agent/http-server.js';
import { HEARTBEAT_BODY_MAX_BYTES, IronicAgentApi, MAX_INSPECTION_BODY_BYTES, type AgentBackend, type AgentHost } from '../../../src/agent/ironic-api.js';
import { get, itAnswersEach, rawRequest, trackRejections, type Attack } from '../../helpers/raw-http.js';

const A: AgentHost & { macs: string[] } = { uuid: 'aaaaaaaa-0000-4000-8000-000000000001', lookupAllowed: true, macs: ['52:54:00:00:00:0a'] };
const backend: AgentBackend = {
  findByMacs: async (macs) => (A.macs.some((m) => macs.includes(m)) ? A : undefined),
  findByUuid: async (id) => (id === A.uuid ? A : undefined),
  heartbeat: async () => undefined,
  inspectionData: async () => undefined,
};
const rejections = trackRejections();
const logs: string[] = [];
let server: Server;
let port = 0;

beforeAll(async () => {
  server = await new IronicAgentApi({ backend }).listen(0, '127.0.0.1', { log: (level, m) => void logs.push(`${level} ${m}`) });
  port = portOf(server);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const post = (path: string, body: string, extra = ''): string => `POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const heartbeat = `/v1/heartbeat/${A.uuid}`;

const corpus: Attack[] = [
  ['authority-like target //[', get('//['), [400]],
  ['bad percent-encoding /%', get('/%'), [400]],
  ['bad percent-encoding in the node id', post('/v1/heartbeat/%E0%A4%A', '{}'), [400]],
  ['asterisk-form *', get('*'), [400]],
  ['absolute-form http://evil/v1', get('http://evil/v1'), [400]],
  ['encoded NUL', get('/v1/lookup%00'), [400]],
  ['raw NUL', get('/v1/\0lookup'), [400]],
  ['64 KiB path', get(`/v1/${'a'.repeat(64 * 1024)}`), [414, 431]],
  ['5 KiB lookup query', get(`/v1/lookup?addresses=${'52:54:00:00:00:0a,'.repeat(300)}`), [414, 431]],
  ['huge header', get('/v1', `X-Big: ${'b'.repeat(100 * 1024)}\r\n`), [431]],
  ['10 000 headers', get('/v1', 'X-H: v\r\n'.repeat(10_000)), [431]],
  ['heartbeat body over the heartbeat cap', post(heartbeat, JSON.stringify({ callback_url: 'http://10.0.0.9:9999', pad: 'x'.repeat(HEARTBEAT_BODY_MAX_BYTES) })), [413]],
  ['heartbeat declaring a 1 GiB body', `POST ${heartbeat} HTTP/1.1\r\nHost: t\r\nContent-Length: 1073741824\r\n\r\n{`, [413]],
  ['continue_inspection declaring more than its cap', `POST /v1/continue_inspection HTTP/1.1\r\nHost: t\r\nContent-Length: ${MAX_INSPECTION_BODY_BYTES + 1}\r\n\r\n{`, [413]],
  ['chunked garbage', `POST ${heartbeat} HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n`, [400]],
  ['non-numeric Content-Length', `POST ${heartbeat} HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n`, [400]],
  ['body that is not JSON', post(heartbeat, 'not json'), [400]],
  ['JSON array body', post(heartbeat, '[1,2]'), [400]],
  ['wrong method on lookup', 'DELETE /v1/lookup HTTP/1.1\r\nHost: t\r\n\r\n', [405]],
  ['GET on heartbeat', get(heartbeat), [405]],
  ['unknown method', 'BREW /v1 HTTP/1.1\r\nHost: t\r\n\r\n', [400, 405]],
  ['garbage request line', 'hello\r\n\r\n', [400]],
];

describe('Ironic agent API: malformed requests', () => {
  itAnswersEach(corpus, () => port);

  it('is still serving after the corpus, and nothing reached an unhandled rejection', async () => {
    await new Promise((r) => setTimeout(r, 50));
    expect(rejections).toEqual([]);
    const lookup = await rawRequest(port, get('/v1/lookup?addresses=52:54:00:00:00:0a'));
    expect(lookup.status).toBe(200);
  });

  it('names its body caps per endpoint: a heartbeat is small, inspection data is not', () => {
    expect(HEARTBEAT_BODY_MAX_BYTES).toBeLessThanOrEqual(64 * 1024);
    expect(MAX_INSPECTION_BODY_BYTES).toBeGreaterThan(HEARTBEAT_BODY_MAX_BYTES);
  });
});
