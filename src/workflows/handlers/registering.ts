/** Registering: check the BMC's address and credentials (BMO registering, Ironic enroll → manageable). */
import { ErrorType } from '../../api/types.js';
import type { HostRun } from '../host-run.js';
import { HostEvent } from '../state-machine.js';

export async function registering(host: HostRun): Promise<void> {
  const { status } = host;
  // Already registered with these details (e.g. delayed by the provisioning limit): just move on.
  if (host.registeredAs !== host.registrationIdentity() || host.flags.reregister) {
    status.operationHistory.register = { start: now(), end: null };
    if (!(await host.register(ErrorType.Registration, true))) return host.waitBackoff();
    status.operationHistory.register.end = now();
  }
  if (await host.advance(HostEvent.Registered)) host.imported = undefined; // adopted (or restarted): done with it
}

const now = (): string => new Date().toISOString();
