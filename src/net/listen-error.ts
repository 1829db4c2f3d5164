/**
 * A listener (boot service, agent API) could not take its port: another process (often a second boot worker for the same
 * network, or dnsmasq) holds it. Sockets are bound exclusively, so this is a start-up error
 * naming what was taken, never two servers answering on one port.
 */
export class AddressInUseError extends Error {
  constructor(
    readonly protocol: 'udp' | 'tcp',
    readonly address: string,
    readonly port: number,
    readonly service: string,
  ) {
    super(`${service}: ${protocol} ${address}:${port} is already in use (another boot worker or DHCP/TFTP/HTTP server on this host?)`);
    this.name = 'AddressInUseError';
  }
}

/** The typed error for an EADDRINUSE from bind/listen; any other error unchanged. */
export function bindError(err: unknown, protocol: 'udp' | 'tcp', address: string, port: number, service: string): unknown {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' ? new AddressInUseError(protocol, address, port, service) : err;
}
