/**
 * Jaro-Winkler for engines without a matching built-in (BigQuery has none; Snowflake's
 * JAROWINKLER_SIMILARITY is case-insensitive and rounds to an integer 0-100). A JavaScript UDF
 * computing exactly what DuckDB's jaro_winkler_similarity and the Postgres helper compute: over
 * UTF-8 bytes, match window max(len)/2 - 1, greedy matching in order of b, prefix bonus (scale
 * 0.1, at most 4) only when the Jaro score exceeds 0.7, 0 when either string is empty.
 *
 * `a` and `b` are the names the engine gives the arguments inside the body (Snowflake upper-cases them).
 */
export function jaroWinklerJs(a: string, b: string): string {
  return `
if (${a} === null || ${a} === undefined || ${b} === null || ${b} === undefined) return null;
const p = unescape(encodeURIComponent(${a}));
const t = unescape(encodeURIComponent(${b}));
const plen = p.length, tlen = t.length;
if (plen === 0 || tlen === 0) return 0;
if (plen === 1 && tlen === 1) return p === t ? 1 : 0;
const bound = Math.floor(Math.max(plen, tlen) / 2) - 1;
const pflag = new Array(plen).fill(false), tflag = new Array(tlen).fill(false);
let m = 0;
for (let j = 0; j < tlen; j++) {
  for (let i = Math.max(0, j - bound); i <= Math.min(plen - 1, j + bound); i++) {
    if (!pflag[i] && p.charCodeAt(i) === t.charCodeAt(j)) { pflag[i] = true; tflag[j] = true; m++; break; }
  }
}
if (m === 0) return 0;
let trans = 0, k = 0;
for (let j = 0; j < tlen; j++) {
  if (!tflag[j]) continue;
  while (!pflag[k]) k++;
  if (p.charCodeAt(k) !== t.charCodeAt(j)) trans++;
  k++;
}
trans = Math.floor(trans / 2);
let sim = 0;
sim += m / plen;
sim += m / tlen;
sim += (m - trans) / m;
sim = sim / 3.0;
if (sim > 0.7) {
  let prefix = 0;
  while (prefix < Math.min(plen, tlen, 4) && p.charCodeAt(prefix) === t.charCodeAt(prefix)) prefix++;
  sim = sim + prefix * 0.1 * (1.0 - sim);
}
return sim;
`;
}
