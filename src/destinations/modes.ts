import type { SyncMode } from './types.js';

/**
 * What each mode sends. The planner reads this; destinations only declare which modes they take.
 * - upsert: new and changed rows; rows that leave stay at the destination.
 * - update: like upsert, but the destination only updates records it already has (never creates).
 * - insert: only rows never delivered before; changes are not sent.
 * - mirror: upsert, and rows that leave are removed (membership destinations: taken out of the list).
 * - add: new and changed rows; nothing is ever removed.
 */
export interface ModePolicy {
  /** Changed rows (fields differ from what was delivered) are sent. */
  sendsChanges: boolean;
  /** Rows that left the audience/model are sent as `remove`. */
  sendsRemovals: boolean;
  /** The destination may create records it does not have. */
  creates: boolean;
  /**
   * A resend can duplicate at the receiver (rows are appended, not upserted by key). The executor
   * then commits each batch's result before sending the next (see docs/syncs.md "Delivery guarantee").
   */
  resendDuplicates: boolean;
}

const POLICIES: Record<SyncMode, ModePolicy> = {
  upsert: { sendsChanges: true, sendsRemovals: false, creates: true, resendDuplicates: false },
  update: { sendsChanges: true, sendsRemovals: false, creates: false, resendDuplicates: false },
  insert: { sendsChanges: false, sendsRemovals: false, creates: true, resendDuplicates: true },
  mirror: { sendsChanges: true, sendsRemovals: true, creates: true, resendDuplicates: false },
  add: { sendsChanges: true, sendsRemovals: false, creates: true, resendDuplicates: true },
};

export function modePolicy(mode: SyncMode): ModePolicy {
  return POLICIES[mode];
}
