/**
 * Which provisioning network (and so which boot-services worker, task queue `boot-<network>`)
 * serves a host: the `metalflow.io/provisioning-network` annotation, else `default`. Metal3 has one
 * provisioning network per Ironic; racks with their own DHCP/PXE segment each run a boot worker
 * with METALFLOW_PROVISIONING_NETWORK set, and their hosts carry the annotation. Pure (workflows use it).
 */
/** The provisioning network of hosts without the annotation. */
export const DEFAULT_PROVISIONING_NETWORK = 'default';

export const PROVISIONING_NETWORK_ANNOTATION = 'metalflow.io/provisioning-network';

/** A DNS label: it becomes part of a task queue name and is typed by operators. */
const NETWORK_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isValidProvisioningNetwork(name: string): boolean {
  return NETWORK_NAME.test(name);
}

export function provisioningNetworkOf(annotations: Record<string, string> | undefined): string {
  return annotations?.[PROVISIONING_NETWORK_ANNOTATION] || DEFAULT_PROVISIONING_NETWORK;
}
