/**
 * Boot-service UDP listeners bind their port exclusively (no SO_REUSEADDR): a second server on
 * the same port and address must fail to start, not silently share the datagrams.
 */
import { createSocket, type Socket } from 'node:dgram';
import { MetalflowError } from '../errors.js';

/** Another process (or a second server in this one) already listens on the port. */
export class AddressInUseError extends MetalflowError {
  readonly nonRetryable = true;
  constructor(service: string, address: string, port: number) {
    super(`${service}: cannot listen on ${address}:${port}: address already in use (another server is bound there)`, { service, address, port });
  }
}

export async function bindUdpExclusive(service: string, port: number, address: string): Promise<Socket> {
  const sock = createSocket({ type: 'udp4' });
  try {
    await new Promise<void>((res, rej) => {
      sock.once('error', rej);
      sock.bind({ port, address, exclusive: true }, () => {
        sock.off('error', rej);
        res();
      });
    });
  } catch (err) {
    try {
      sock.close();
    } catch {
      // never bound: nothing to close
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new AddressInUseError(service, address, port);
    throw err;
  }
  return sock;
}
