/**
 * What goes on a host's config drive, from its sealed Secrets, with Metal3's defaults (BMO
 * getConfigDrive): meta data uuid/metal3-name/metal3-namespace/local-hostname/name under the
 * `metaData` Secret's keys; network data from `networkData`, else the preprovisioning network
 * Secret; user data from `userData` (or `value`). Runs in activities only (it unseals).
 */
import { parse as parseYaml } from 'yaml';
import type { ConfigDriveContent } from '../agent/config-drive.js';
import type { Keyring } from '../secrets/keyring.js';
import type { HostSecrets } from '../secrets/sealed-types.js';

export function configDriveContent(
  host: { uuid: string; name: string; namespace: string },
  secrets: Pick<HostSecrets, 'userData' | 'networkData' | 'metaData' | 'preprovisioningNetworkData'>,
  keyring: Keyring,
): ConfigDriveContent {
  const defaults: Record<string, unknown> = {
    uuid: host.uuid,
    'metal3-namespace': host.namespace,
    'metal3-name': host.name,
    'local-hostname': host.name,
    local_hostname: host.name,
    name: host.name,
  };
  const user = secrets.userData ? keyring.unseal(secrets.userData) : undefined;
  const network = secrets.networkData ?? secrets.preprovisioningNetworkData;
  const networkText = network ? keyring.unseal(network).networkData : undefined;
  const metaText = secrets.metaData ? keyring.unseal(secrets.metaData).metaData : undefined;
  const extraMeta: unknown = metaText ? parseYaml(metaText) : undefined;
  return {
    metaData: { ...defaults, ...(typeof extraMeta === 'object' && extraMeta !== null && !Array.isArray(extraMeta) ? extraMeta : {}) },
    ...(networkText ? { networkData: parseYaml(networkText) as unknown } : {}),
    ...(user ? { userData: user.userData ?? user.value ?? '' } : {}),
  };
}
