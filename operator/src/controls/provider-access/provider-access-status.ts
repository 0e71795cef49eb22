// status.providerAccess and the Lockbox findings to announce, from one evaluation's input.
// Only a read without a gap in providerAccess replaces the status: after a failed read the
// previous one is kept (evidence is never wiped by one failed read) and nothing is announced.

import type { ProviderAccessStatus } from '../../api/types.js';
import type { ControlInput } from '../types.js';
import { judgeLockboxRequests, newLockboxAlerts, providerAccessStatusOf, type LockboxAlert } from './lockbox-judge.js';

export interface ProviderAccessOutcome {
  /** The status to write: fresh, or the previous one after a failed read; absent when there is neither. */
  status?: ProviderAccessStatus;
  newAlerts: LockboxAlert[];
}

export function providerAccessOf(input: ControlInput, previous: ProviderAccessStatus | undefined): ProviderAccessOutcome {
  const inventory = input.inventory.ok ? input.inventory.inventory : undefined;
  const facts = inventory?.providerAccess;
  const readCleanly = inventory !== undefined && facts !== undefined && !inventory.gaps.some((g) => g.area === 'providerAccess');
  if (!readCleanly) return { ...(previous ? { status: previous } : {}), newAlerts: [] };
  const alerts = facts.lockboxRequests ? newLockboxAlerts(judgeLockboxRequests(facts.lockboxRequests, input.spec), previous) : [];
  return { status: providerAccessStatusOf(facts, input.spec), newAlerts: alerts };
}
