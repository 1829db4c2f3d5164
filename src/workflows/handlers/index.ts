/**
 * Each state's handler, in one map as BMO's handlers(): what the workflow does while the host is in
 * that state. A handler acts, feeds the resulting event to the transition table (host.advance)
 * and returns; the loop then reconciles again. The stable states share one handler.
 */
import { ProvisioningState as S, type ProvisioningState } from '../../api/types.js';
import type { HostRun } from '../host-run.js';
import { deleting } from './deleting.js';
import { deprovisioning } from './deprovisioning.js';
import { inspecting } from './inspecting.js';
import { poweringOffBeforeDelete } from './powering-off-before-delete.js';
import { preparing } from './preparing.js';
import { provisioning } from './provisioning.js';
import { registering } from './registering.js';
import { starting } from './starting.js';
import { steady } from './steady.js';

export type StateHandler = (host: HostRun) => Promise<void>;

export const HANDLERS: Readonly<Record<ProvisioningState, StateHandler>> = {
  [S.None]: starting,
  [S.Unmanaged]: steady,
  [S.Registering]: registering,
  [S.Inspecting]: inspecting,
  [S.Preparing]: preparing,
  [S.Available]: steady,
  [S.Provisioning]: provisioning,
  [S.Provisioned]: steady,
  [S.ExternallyProvisioned]: steady,
  [S.Deprovisioning]: deprovisioning,
  [S.PoweringOffBeforeDelete]: poweringOffBeforeDelete,
  [S.Deleting]: deleting,
};
