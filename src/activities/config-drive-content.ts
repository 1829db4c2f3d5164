/**
 * What goes on a host's config drive, from its sealed Secrets, with Metal3's defaults (BMO
 * getConfigDrive): meta data uuid/metal3-name/metal3-namespace/local-hostname/name under the
 * `metaData` Secret's keys; network data from `networkData`, else the preprovisioning network
 * Secret; user data from `userData` (or `value`). Runs in activities only (it unseals).
 */
import { parse as parseYaml } from 'yaml';
import type { ConfigDriveContent } from '../agent/config-drive.js';
import type { Keyring } from '../secrets/keyring.js';
import type { HostSecrets, SecretPurpose } from '../secrets/sealed-types.js';

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
  // Each Secret opens only as what it was sealed for, in this host's namespace.
  const open = (purpose: Exclude<SecretPurpose, 'credentials'>): Record<string, string> | undefined => {
    const sealed = secrets[purpose];
    return sealed ? keyring.unseal(sealed, { namespace: host.namespace, purpose }) : undefined;
  };
  const user = open('userData');
  const networkText = (open('networkData') ?? open('preprovisioningNetworkData'))?.networkData;
  const metaText = open('metaData')?.metaData;
  const extraMeta: unknown = metaText ? parseYaml(metaText) : undefined;
  return {
    metaData: { ...defaults, ...(typeof extraMeta === 'object' && extraMeta !== null && !Array.isArray(extraMeta) ? extraMeta : {}) },
    ...(networkText ? { networkData: parseYaml(networkText) as unknown } : {}),
    ...(user ? { userData: user.userData ?? user.value ?? '' } : {}),
  };
}
