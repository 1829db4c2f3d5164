/** Maps a host onto the BmhView memo that `get`, `watch` and `wait` read (contract/visibility.ts). */
import type { BareMetalHost, BareMetalHostStatus } from '../api/types.js';
import type { BmhView, HostFlags } from '../contract/index.js';

export interface MemoSource {
  uid: string;
  generation: number;
  createdAt: string;
  host: BareMetalHost;
  status: BareMetalHostStatus;
  flags: HostFlags;
}

export function bmhViewOf(h: MemoSource): BmhView {
  const { spec, metadata } = h.host;
  const consumer = spec.consumerRef?.name;
  return {
    uid: h.uid,
    generation: h.generation,
    createdAt: h.createdAt,
    labels: metadata.labels ?? {},
    consumer: typeof consumer === 'string' ? consumer : '',
    bmcAddress: spec.bmc?.address ?? '',
    online: spec.online,
    image: spec.image?.url ?? '',
    provisionedImage: h.status.provisioning.image?.url ?? '',
    hardwareProfile: h.status.hardwareProfile ?? '',
    errorMessage: h.status.errorMessage,
    errorCount: h.status.errorCount,
    inspectedAt: h.status.operationHistory.inspect.end ?? '',
    detached: h.flags.detached,
    rebootRequests: h.flags.rebootRequests ?? 0,
    rebootPending: h.flags.rebootRequested !== undefined,
  };
}

/** The memo upsert to send, or undefined when `next` is what was published last. */
export function changedMemo(previous: BmhView | undefined, next: BmhView): BmhView | undefined {
  return previous !== undefined && JSON.stringify(previous) === JSON.stringify(next) ? undefined : next;
}

/** The current details the Temporal UI shows on the workflow's page (markdown, one line each). */
export function currentDetailsOf(state: string, operationalStatus: string, step: string, status: Pick<BareMetalHostStatus, 'errorType' | 'errorMessage' | 'errorCount' | 'poweredOn'>): string {
  const lines = [`**State:** ${state || 'none'} (${operationalStatus}), powered ${status.poweredOn ? 'on' : 'off'}`, `**Step:** ${step}`];
  if (status.errorType) lines.push(`**Error:** ${status.errorType} (${status.errorCount}): ${status.errorMessage}`);
  return lines.join('\n\n');
}
