import type { SyncView } from './types';

/** The audience a sync reads, if it reads one. */
export function syncAudience(sync: SyncView): string | null {
  return 'audience' in sync.from ? sync.from.audience : null;
}

/** What a sync reads when it is not an audience: "model cdp.x", "priority list offers, slot vip". */
export function syncSourceText(from: Exclude<SyncView['from'], { audience: string }>): string {
  return 'model' in from ? `model ${from.model}` : `priority list ${from.priority_list}, slot ${from.slot}`;
}

/** The destination's display name: a configured destination's name, or the type (git syncs). */
export function syncDestinationLabel(sync: SyncView): string {
  return sync.destination.name ?? sync.destination.type;
}

/** The syncs of each audience. */
export function syncsByAudience(syncs: readonly SyncView[] | undefined): Map<string, SyncView[]> {
  const out = new Map<string, SyncView[]>();
  for (const sync of syncs ?? []) {
    const audience = syncAudience(sync);
    if (!audience) continue;
    out.set(audience, [...(out.get(audience) ?? []), sync]);
  }
  return out;
}

export const SCHEDULE_PRESETS: ReadonlyArray<{ cron: string | null; label: string }> = [
  { cron: null, label: 'Manually only' },
  { cron: '0 * * * *', label: 'Every hour' },
  { cron: '0 */6 * * *', label: 'Every 6 hours' },
  { cron: '0 6 * * *', label: 'Every day at 06:00' },
  { cron: '0 6 * * 1', label: 'Every Monday at 06:00' },
];

/** A cron expression in words when it is a preset, else the expression. */
export function describeSchedule(cron: string | null): string {
  return SCHEDULE_PRESETS.find((p) => p.cron === cron)?.label ?? `cron ${cron}`;
}

/** What each mode does, in a marketer's words. */
export const MODE_HELP: Record<string, string> = {
  upsert: 'Add new members and update changed ones. Nobody is removed.',
  update: 'Only update records the tool already has.',
  insert: 'Only add new records; never change existing ones.',
  mirror: 'Keep the tool exactly like the audience: add, update, and remove those who left.',
  add: 'Add members; never remove anyone, even when they leave the audience.',
};

/**
 * Field names a destination type expects, to suggest a mapping from audience columns. The API
 * does not publish them yet (see docs/web.md); these mirror the destinations' own field checks.
 */
const KNOWN_FIELDS: Record<string, Array<[field: string, columns: string[]]>> = {
  mailchimp: [
    ['email_address', ['email']],
    ['FNAME', ['first_name']],
    ['LNAME', ['last_name']],
    ['PHONE', ['phone']],
  ],
  meta_custom_audiences: [
    ['EMAIL', ['email']],
    ['PHONE', ['phone']],
    ['FN', ['first_name']],
    ['LN', ['last_name']],
    ['CT', ['city']],
    ['COUNTRY', ['country']],
    ['EXTERN_ID', ['user_id', 'profile_id']],
  ],
};
const GENERIC = ['email', 'phone', 'first_name', 'last_name', 'city', 'country'];

/** Suggested `destination field <- column` pairs for a type, given the audience's columns. */
export function suggestMapping(type: string, columns: readonly string[], apiFields?: ReadonlyArray<{ name: string }>): Array<[string, string]> {
  const have = new Set(columns);
  const known = KNOWN_FIELDS[type];
  if (known) {
    return known.flatMap(([field, candidates]) => {
      const column = candidates.find((c) => have.has(c));
      return column ? [[field, column] as [string, string]] : [];
    });
  }
  if (apiFields?.length) return apiFields.filter((f) => have.has(f.name.toLowerCase())).map((f) => [f.name, f.name.toLowerCase()]);
  return GENERIC.filter((c) => have.has(c)).map((c) => [c, c]);
}

/** Destination field names to offer in the mapping's field picker. */
export function knownFields(type: string): string[] {
  return KNOWN_FIELDS[type]?.map(([field]) => field) ?? [];
}
