import type { Dialect } from '../warehouse/index.js';
import { PROFILE_ALIAS } from './compile.js';
import { invalid, suggestion } from './errors.js';
import type { AudienceDefinition, AudienceSplits } from './schema.js';

/**
 * Splits and holdouts. A member's group comes from a deterministic hash of (salt, profile_id): the
 * same on every engine (`Dialect.hash64`), independent of who else is in the audience, so a member
 * keeps its group while the audience grows or narrows. With `stratify`, members are ranked by that
 * hash within each stratum (the combination of the traits' values) and cut by the groups' shares,
 * so every group holds each stratum in the same proportion (to within one member); the rank, and so
 * a member's group, can then move when its stratum gains or loses members.
 */

/** Shares are in hundredths of a percent: a member's bucket is 0..9999. */
const BUCKETS = 10_000;

/** The column that holds a member's group in previews, compiled members SQL and sync rows. */
export const SPLIT_COLUMN = 'split';

/** The salt a split uses: its own, else the audience's name (so two audiences split independently). */
export function splitSalt(definition: AudienceDefinition): string {
  return definition.splits?.salt ?? definition.name ?? '';
}

/** The upper bucket bound of each group, cumulated: 80/20 gives [8000, 10000]. */
function bounds(splits: AudienceSplits): number[] {
  let total = 0;
  return splits.groups.map((g) => (total += Math.round(g.percent * 100)));
}

/** `CASE ... END`: the group of the current profile row of `p` (a window expression when stratified). */
export function splitSql(d: Dialect, splits: AudienceSplits, salt: string): string {
  const profileId = `${PROFILE_ALIAS}.${d.quoteIdent('profile_id')}`;
  const hash = d.hash64(d.concat(d.literal(`${salt}:`), d.cast(profileId, 'string')));
  const cuts = bounds(splits);
  let position: (bound: number) => string;
  if (splits.stratify?.length) {
    const strata = splits.stratify.map((trait) => `${PROFILE_ALIAS}.${d.quoteIdent(trait)}`).join(', ');
    const rank = `(ROW_NUMBER() OVER (PARTITION BY ${strata} ORDER BY ${hash}, ${profileId}) - 1)`;
    const size = `COUNT(*) OVER (PARTITION BY ${strata})`;
    // rank / size < bound / BUCKETS, in integers.
    position = (bound) => `${rank} * ${BUCKETS} < ${bound} * ${size}`;
  } else {
    position = (bound) => `MOD(${hash}, ${BUCKETS}) < ${bound}`;
  }
  const whens = splits.groups.slice(0, -1).map((g, i) => `WHEN ${position(cuts[i]!)} THEN ${d.literal(g.name)}`);
  return `CASE ${whens.join(' ')} ELSE ${d.literal(splits.groups.at(-1)!.name)} END`;
}

/** Stratify traits must be traits of profiles. */
export function checkSplitTraits(splits: AudienceSplits | undefined, traits: ReadonlyMap<string, unknown>): void {
  splits?.stratify?.forEach((trait, i) => {
    if (!traits.has(trait)) throw invalid(`unknown trait \`${trait}\``, ['splits', 'stratify', i], suggestion(trait, [...traits.keys()], 'trait'));
  });
}

/** The group names of a split, refusing a name it does not have. */
export function checkSplitName(definition: AudienceDefinition, split: string, audience: string): void {
  const names = definition.splits?.groups.map((g) => g.name) ?? [];
  if (names.includes(split)) return;
  throw invalid(
    names.length ? `audience \`${audience}\` has no split group \`${split}\`` : `audience \`${audience}\` has no splits`,
    ['split'],
    names.length ? `use one of: ${names.join(', ')}` : 'add `splits` to the audience, or leave `split` out to send every member',
  );
}
