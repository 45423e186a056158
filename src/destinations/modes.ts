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
}

const POLICIES: Record<SyncMode, ModePolicy> = {
  upsert: { sendsChanges: true, sendsRemovals: false, creates: true },
  update: { sendsChanges: true, sendsRemovals: false, creates: false },
  insert: { sendsChanges: false, sendsRemovals: false, creates: true },
  mirror: { sendsChanges: true, sendsRemovals: true, creates: true },
  add: { sendsChanges: true, sendsRemovals: false, creates: true },
};

export function modePolicy(mode: SyncMode): ModePolicy {
  return POLICIES[mode];
}
