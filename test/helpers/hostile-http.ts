/**
 * Loopback HTTP peers that misbehave on purpose (a hostile BMC or agent) and witnesses that record
 * whatever reaches them, for the attack suites. Every server started here is closed by `closeAll`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
}

export interface Peer {
  origin: string;
  port: number;
  /** Every request that reached this server. */
  seen: Seen[];
}

const servers: Server[] = [];

/** A loopback server running `handler` for each request (after recording it). */
export async function peer(handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, res) => res.writeHead(404).end()): Promise<Peer> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { origin: `http://127.0.0.1:${port}`, port, seen };
}

/** Closes every server `peer` started, dropping open connections (trickling bodies included). */
export async function closeAll(): Promise<void> {
  const all = servers.splice(0);
  await Promise.all(
    all.map(
      (s) =>
        new Promise<void>((r) => {
          s.close(() => r());
          s.closeAllConnections();
        }),
    ),
  );
}

export const json = (res: ServerResponse, body: unknown, status = 200): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

export interface Stream {
  /** Bytes handed to the socket before it closed or the body ended. */
  written: number;
  /** True when the whole body was sent (the client read it all); false when the client hung up. */
  finished: boolean;
}

/**
 * Answers with a JSON-looking body of `totalBytes` (no content-length: the client cannot refuse it
 * up front) written as fast as the client reads; resolves `done` when the response closes.
 */
export function hugeBody(totalBytes: number): { handler: (req: IncomingMessage, res: ServerResponse) => void; done: Promise<Stream> } {
  let resolve: (s: Stream) => void = () => undefined;
  const done = new Promise<Stream>((r) => (resolve = r));
  const chunk = Buffer.alloc(64 * 1024, 0x20); // spaces: still valid JSON whitespace if it were all read
  const handler = (_req: IncomingMessage, res: ServerResponse): void => {
    const state: Stream = { written: 0, finished: false };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"Members":[');
    res.on('close', () => resolve({ ...state, finished: res.writableFinished }));
    const pump = (): void => {
      while (state.written < totalBytes && !res.destroyed) {
        state.written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end(']}');
    };
    pump();
  };
  return { handler, done };
}

/** Answers headers at once, then one byte every `everyMs` for ever (until the connection closes). */
export function trickle(everyMs: number): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => res.write(' '), everyMs);
    res.on('close', () => clearInterval(timer));
  };
}
