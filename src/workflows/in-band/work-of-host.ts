/** Which way a host's in-band work is done (in-band-work.ts). */
import { parseBmcAddress } from '../../api/bmc-address.js';
import type { HostRun } from '../host-run.js';
import type { InBandWork } from './in-band-work.js';
import { viaAgentApi } from './via-agent-api.js';
import { viaHostActivities } from './via-host-activities.js';

/** Real BMC hosts are inspected, cleaned and deployed by the Ironic agent, unless the worker simulates it. */
export function inBandWorkOf(host: HostRun): InBandWork {
  if (host.settings.agent !== 'ipa') return viaHostActivities;
  try {
    return parseBmcAddress(host.spec.bmc?.address ?? '').driver !== 'fake' ? viaAgentApi : viaHostActivities;
  } catch {
    return viaHostActivities;
  }
}
