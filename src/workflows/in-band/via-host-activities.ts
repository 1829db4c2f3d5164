/** In-band work done by the host worker's driver activities (fake driver, simulated agent). */
import { hardware } from '../activity-proxies.js';
import type { InBandWork } from './in-band-work.js';

export const viaHostActivities: InBandWork = {
  inspect: (host, mode) => hardware.inspectHardware({ target: host.target(), opId: host.opId('inspect'), mode }),

  provision: (host, r) =>
    hardware.provisionHost({
      target: host.target(),
      opId: host.opId('provision'),
      image: r.image,
      ...(r.rootDeviceHints ? { rootDeviceHints: r.rootDeviceHints } : {}),
      ...(r.bootMode ? { bootMode: r.bootMode } : {}),
      cleanFirst: r.clean,
      online: r.online,
      secrets: r.secrets,
    }),

  configureRaid: (host, r) => hardware.configureRaid({ target: host.target(), opId: host.opId('raid'), steps: r.steps, targetRaidConfig: r.targetRaidConfig }),

  deprovision: (host, cleaningMode) => hardware.deprovisionHost({ target: host.target(), opId: host.opId('deprovision'), cleaningMode }),
};
