/** A new host: registering if it has BMC details, unmanaged otherwise. */
import type { HostRun } from '../host-run.js';
import { HostEvent } from '../state-machine.js';

export async function starting(host: HostRun): Promise<void> {
  await host.advance(HostEvent.Start);
}
