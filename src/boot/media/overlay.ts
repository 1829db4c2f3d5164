/**
 * The per-host overlay appended to the stock agent initramfs as a second initrd: the host's
 * preprovisioning network data as systemd-networkd files, and the agent API's CA with the IPA
 * option that trusts it. The stock IPA 13 reads oslo.config files as program
 * `ironic-python-agent` without a project, i.e. /etc/ironic-python-agent.conf and
 * /etc/ironic-python-agent.conf.d/*.conf; `cafile` ([DEFAULT]) is the CA it verifies the API with.
 */
import { X509Certificate } from 'node:crypto';
import { AgentMediaBuildError } from '../../errors.js';
import { newcCpio, type CpioEntry } from './cpio.js';
import { networkdFromNmstate } from './nmstate-networkd.js';

export const AGENT_CA_FILE = '/etc/metalflow/agent-api-ca.pem';
export const IPA_CA_CONF_FILE = '/etc/ironic-python-agent.conf.d/10-metalflow-ca.conf';
export const NETWORKD_DIR = '/etc/systemd/network';
/** A CA bundle of a few certificates. */
export const MAX_CA_PEM_BYTES = 64 * 1024;

export interface OverlayInput {
  /** nmstate YAML (the `<host>-network` Secret's networkData). */
  networkData?: string;
  /** PEM CA certificate(s) the agent trusts for the agent API and image downloads. */
  caPem?: string;
}

export function agentOverlay(input: OverlayInput): Buffer {
  const entries: CpioEntry[] = [];
  if (input.networkData !== undefined) {
    for (const f of networkdFromNmstate(input.networkData)) entries.push({ path: `${NETWORKD_DIR.slice(1)}/${f.name}`, mode: 0o644, data: Buffer.from(f.content) });
  }
  if (input.caPem !== undefined) {
    checkCa(input.caPem);
    entries.push({ path: AGENT_CA_FILE.slice(1), mode: 0o644, data: Buffer.from(input.caPem) });
    entries.push({ path: IPA_CA_CONF_FILE.slice(1), mode: 0o644, data: Buffer.from(`[DEFAULT]\ncafile = ${AGENT_CA_FILE}\n`) });
  }
  return newcCpio(entries);
}

function checkCa(pem: string): void {
  if (Buffer.byteLength(pem) > MAX_CA_PEM_BYTES) throw new AgentMediaBuildError(`agent CA: more than ${MAX_CA_PEM_BYTES} bytes`);
  if (!pem.trimStart().startsWith('-----BEGIN CERTIFICATE-----')) throw new AgentMediaBuildError('agent CA: not a PEM certificate');
  try {
    new X509Certificate(pem);
  } catch (err) {
    throw new AgentMediaBuildError(`agent CA: ${err instanceof Error ? err.message : String(err)}`);
  }
}
