import type { Dialect } from '../../warehouse/index.js';

/**
 * A small table of common English nicknames and the formal name they stand for (lower case),
 * used by the `nickname` comparison level. Deliberately short: names that are nicknames of
 * several formal names (e.g. "chris") map to the most common one.
 */
export const NICKNAMES: Readonly<Record<string, string>> = {
  bill: 'william', billy: 'william', will: 'william', willy: 'william', liam: 'william',
  bob: 'robert', bobby: 'robert', rob: 'robert', robbie: 'robert', bert: 'robert',
  dick: 'richard', rick: 'richard', ricky: 'richard', rich: 'richard',
  jim: 'james', jimmy: 'james', jamie: 'james',
  jack: 'john', johnny: 'john', jon: 'john',
  mike: 'michael', mikey: 'michael', mick: 'michael',
  dave: 'david', davy: 'david',
  joe: 'joseph', joey: 'joseph',
  tom: 'thomas', tommy: 'thomas',
  chuck: 'charles', charlie: 'charles',
  tony: 'anthony', steve: 'stephen', stevie: 'stephen', steven: 'stephen',
  dan: 'daniel', danny: 'daniel', matt: 'matthew', chris: 'christopher', nick: 'nicholas',
  andy: 'andrew', drew: 'andrew', ed: 'edward', eddie: 'edward', ted: 'edward', ben: 'benjamin',
  sam: 'samuel', alex: 'alexander', greg: 'gregory', larry: 'lawrence', jerry: 'gerald',
  peggy: 'margaret', maggie: 'margaret', meg: 'margaret', marge: 'margaret',
  liz: 'elizabeth', beth: 'elizabeth', betty: 'elizabeth', lizzie: 'elizabeth', eliza: 'elizabeth',
  kate: 'katherine', katie: 'katherine', kathy: 'katherine', cathy: 'katherine', catherine: 'katherine',
  sue: 'susan', susie: 'susan', jen: 'jennifer', jenny: 'jennifer', pat: 'patricia', patty: 'patricia', trish: 'patricia',
  barb: 'barbara', debbie: 'deborah', deb: 'deborah', becky: 'rebecca', vicky: 'victoria', molly: 'mary', polly: 'mary',
  jess: 'jessica', jessie: 'jessica', mandy: 'amanda', sandy: 'sandra', abby: 'abigail', annie: 'anna', ann: 'anna', anne: 'anna',
};

/** `CASE value WHEN 'bill' THEN 'william' ... ELSE value END`: the formal name of a (lower-cased) name. */
export function canonicalName(d: Dialect, value: string): string {
  const whens = Object.entries(NICKNAMES)
    .map(([nick, formal]) => `WHEN ${d.literal(nick)} THEN ${d.literal(formal)}`)
    .join(' ');
  return `CASE ${value} ${whens} ELSE ${value} END`;
}
