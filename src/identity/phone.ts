import type { Dialect } from '../warehouse/index.js';

/**
 * Phone numbers to E.164 in SQL. Formatting (spaces, dots, dashes, brackets) is stripped; a
 * number is international when written with `+` or the `00` prefix, otherwise it is read as a
 * national number of the id type's `defaultRegion`. Numbers of a known country code must have
 * that country's length; others must be 7 to 15 digits. Anything else is dropped as invalid.
 */
export interface PhoneRegion {
  /** Country calling code, without '+'. */
  cc: string;
  /** National trunk prefix dropped when dialling from abroad ('0' in most of Europe). */
  trunk: string | null;
  /** Length range of the national significant number (after the trunk prefix). */
  nsn: [number, number];
  /** Extra shape of the full number (country code included), when the country has one. */
  pattern?: string;
}

const NANP: PhoneRegion = { cc: '1', trunk: null, nsn: [10, 10], pattern: '^1[2-9][0-9]{2}[2-9][0-9]{6}$' };

export const PHONE_REGIONS: Readonly<Record<string, PhoneRegion>> = {
  US: NANP,
  CA: NANP,
  GB: { cc: '44', trunk: '0', nsn: [9, 10] },
  DE: { cc: '49', trunk: '0', nsn: [6, 11] },
  FR: { cc: '33', trunk: '0', nsn: [9, 9] },
  NL: { cc: '31', trunk: '0', nsn: [9, 9] },
  BE: { cc: '32', trunk: '0', nsn: [8, 9] },
  CH: { cc: '41', trunk: '0', nsn: [9, 9] },
  AT: { cc: '43', trunk: '0', nsn: [6, 12] },
  IE: { cc: '353', trunk: '0', nsn: [7, 9] },
  ES: { cc: '34', trunk: null, nsn: [9, 9] },
  IT: { cc: '39', trunk: null, nsn: [6, 11] },
  AU: { cc: '61', trunk: '0', nsn: [9, 9] },
  NZ: { cc: '64', trunk: '0', nsn: [8, 10] },
  IN: { cc: '91', trunk: '0', nsn: [10, 10] },
  BR: { cc: '55', trunk: '0', nsn: [10, 11] },
  MX: { cc: '52', trunk: null, nsn: [10, 10] },
  JP: { cc: '81', trunk: '0', nsn: [9, 10] },
};

export const SUPPORTED_PHONE_REGIONS = Object.keys(PHONE_REGIONS).sort();

/** Country codes checked for their national length (one entry per code). */
function knownCountryCodes(): PhoneRegion[] {
  const seen = new Map<string, PhoneRegion>();
  for (const region of Object.values(PHONE_REGIONS)) if (!seen.has(region.cc)) seen.set(region.cc, region);
  return [...seen.values()];
}

function between(d: Dialect, expr: string, [min, max]: [number, number]): string {
  return `${d.length(expr)} BETWEEN ${min} AND ${max}`;
}

/**
 * The national digits `digits` (no '+' or '00' prefix) as full international digits for `region`,
 * or NULL. Tried in order: trunk prefix ('020 7946 0958'), country code without '+'
 * ('44 20 7946 0958'), bare national number ('20 7946 0958').
 */
function nationalToInternational(d: Dialect, digits: string, region: PhoneRegion): string {
  const cc = d.literal(region.cc);
  const ccLen = region.cc.length;
  const branches: string[] = [];
  if (region.trunk) {
    const t = region.trunk.length;
    branches.push(
      `WHEN SUBSTR(${digits}, 1, ${t}) = ${d.literal(region.trunk)} AND ${between(d, `SUBSTR(${digits}, ${t + 1})`, region.nsn)} ` +
        `THEN ${cc} || SUBSTR(${digits}, ${t + 1})`,
    );
  }
  branches.push(
    `WHEN SUBSTR(${digits}, 1, ${ccLen}) = ${cc} AND ${between(d, `SUBSTR(${digits}, ${ccLen + 1})`, region.nsn)} THEN ${digits}`,
  );
  branches.push(`WHEN SUBSTR(${digits}, 1, 1) <> '0' AND ${between(d, digits, region.nsn)} THEN ${cc} || ${digits}`);
  return `CASE ${branches.join(' ')} END`;
}

/**
 * Wraps `inner` (a SELECT with a string column `raw`) into a SELECT of all its columns plus
 * `norm`: the number in E.164 ('+14155550123') or NULL when it is not a valid number.
 */
export function phoneNormalizeQuery(d: Dialect, inner: string, defaultRegion: string | null): string {
  const region = defaultRegion ? PHONE_REGIONS[defaultRegion] : undefined;
  if (defaultRegion && !region) throw new Error(`unsupported phone region ${defaultRegion}`);
  // Stage 1: digits only, and whether the number was written with a leading '+'.
  const stage1 = `SELECT p1.*, ${d.regexReplaceAll('p1.raw', '[^0-9]', '')} AS _digits, SUBSTR(TRIM(p1.raw), 1, 1) = '+' AS _plus FROM (${inner}) p1`;
  // Stage 2: the full international digit string (country code first), or NULL.
  const national = region ? nationalToInternational(d, 'p2._digits', region) : 'NULL';
  const stage2 =
    `SELECT p2.*, CASE WHEN p2._plus THEN p2._digits ` +
    `WHEN SUBSTR(p2._digits, 1, 2) = '00' THEN SUBSTR(p2._digits, 3) ` +
    `ELSE ${national} END AS _intl FROM (${stage1}) p2`;
  // Stage 3: shape checks per known country code, then E.164.
  const checks = knownCountryCodes()
    .map((r) => {
      const shape = [between(d, `SUBSTR(p3._intl, ${r.cc.length + 1})`, r.nsn)];
      if (r.pattern) shape.push(d.regexMatches('p3._intl', r.pattern));
      return `WHEN SUBSTR(p3._intl, 1, ${r.cc.length}) = ${d.literal(r.cc)} THEN ${shape.join(' AND ')}`;
    })
    .join(' ');
  const valid = `${d.regexMatches('p3._intl', '^[1-9][0-9]{6,14}$')} AND (CASE ${checks} ELSE TRUE END)`;
  return `SELECT p3.*, CASE WHEN ${valid} THEN '+' || p3._intl END AS norm FROM (${stage2}) p3`;
}
