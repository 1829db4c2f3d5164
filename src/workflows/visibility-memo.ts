/** Maps a host onto the BmhView memo that `get`, `watch` and `wait` read (contract/visibility.ts). */
import type { BareMetalHost, BareMetalHostStatus } from '../api/types.js';
import type { BmhView, HostFlags } from '../contract/index.js';
import { utf8Length } from '../api/validate-host.js';

/** errorMessage in the memo, in characters (`describe` and `get -o yaml` show it whole, from the workflow). */
export const MEMO_ERROR_MESSAGE_MAX = 1024;
/**
 * The memo's size as JSON (UTF-8). Labels are capped at apply (MAX_LABELS_TOTAL_BYTES), errorMessage
 * here; a view still over this (long image URLs, BMC addresses, consumer names) drops its labels
 * and cuts each string to MEMO_ERROR_MESSAGE_MAX characters, which always fits.
 */
export const MAX_MEMO_BYTES = 64 * 1024;

/** First `max` characters (code points), the last one replaced by '…' when cut. */
function cut(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

export function memoBytes(v: BmhView): number {
  return utf8Length(JSON.stringify(v));
}

function bounded(v: BmhView): BmhView {
  if (memoBytes(v) <= MAX_MEMO_BYTES) return v;
  const c = (s: string): string => cut(s, MEMO_ERROR_MESSAGE_MAX);
  return {
    ...v, labels: {}, uid: c(v.uid), createdAt: c(v.createdAt), consumer: c(v.consumer), bmcAddress: c(v.bmcAddress), image: c(v.image),
    provisionedImage: c(v.provisionedImage), hardwareProfile: c(v.hardwareProfile), inspectedAt: c(v.inspectedAt),
  };
}

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
  return bounded({
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
    errorMessage: cut(h.status.errorMessage, MEMO_ERROR_MESSAGE_MAX),
    errorCount: h.status.errorCount,
    inspectedAt: h.status.operationHistory.inspect.end ?? '',
    detached: h.flags.detached,
    rebootRequests: h.flags.rebootRequests ?? 0,
    rebootPending: h.flags.rebootRequested !== undefined,
  });
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
