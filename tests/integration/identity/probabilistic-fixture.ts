/** A CRM and an orders source whose records of one person share no identifier, plus twins and a household (see probabilistic-graph.test.ts). */
import type { CdpConfigInput } from '../../../src/config/index.js';

const FIRST = ['james', 'mary', 'robert', 'patricia', 'john', 'jennifer', 'michael', 'linda', 'david', 'elizabeth', 'william', 'barbara', 'richard', 'susan', 'joseph', 'jessica', 'thomas', 'sarah', 'charles', 'karen'];
const LAST = ['smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez', 'hernandez', 'lopez', 'gonzalez', 'wilson', 'anderson', 'taylor', 'moore', 'jackson', 'martin', 'lee', 'thompson', 'white', 'harris', 'clark', 'lewis'];
const CITY = ['springfield', 'riverside', 'franklin', 'greenville', 'bristol', 'clinton', 'fairview', 'salem'];
const STREET = ['main st', 'oak ave', 'pine rd', 'maple dr', 'cedar ln', 'elm st', 'lake view', 'hill rd'];

/** Deterministic PRNG (mulberry32): the same data every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ts = (day: number) => new Date(Date.UTC(2024, 0, 1 + day));
const str = (name: string) => ({ name, kind: 'string' as const });

function typo(s: string, r: () => number): string {
  const i = 1 + Math.floor(r() * (s.length - 2));
  return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
}

export function dataset() {
  const r = rng(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const crm: unknown[][] = [];
  const orders: unknown[][] = [];
  for (let p = 0; p < 300; p++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const dob = `19${50 + Math.floor(r() * 50)}-0${1 + Math.floor(r() * 9)}-${10 + Math.floor(r() * 18)}`;
    const address = `${1 + Math.floor(r() * 200)} ${pick(STREET)}`;
    const city = pick(CITY);
    crm.push([`c${p}`, `u${p}`, `${first}.${last}${p}@mail.com`, null, first, last, dob, address, city, ts(p)]);
    // Every other person also ordered in a store with another email and sometimes a typo.
    if (p % 2 === 0) {
      const f = p % 6 === 0 ? typo(first, r) : first;
      const l = p % 10 === 0 ? typo(last, r) : last;
      orders.push([`o${p}`, null, `${first[0]}${last}${p}@work.org`, null, f.toUpperCase(), l, dob, address, city, ts(400 + p)]);
    }
  }
  // Twins: everything equal but the user_id (and email): never merged.
  crm.push(['t1', 'ut1', 'twin1@mail.com', null, 'anna', 'kowalski', '1990-05-05', '7 birch ct', 'salem', ts(1000)]);
  crm.push(['t2', 'ut2', 'twin2@mail.com', null, 'anna', 'kowalski', '1990-05-05', '7 birch ct', 'salem', ts(1001)]);
  // Two accounts (different user_ids) of one look-alike, and a store order matching both: the order may join one, never both.
  crm.push(['q1', 'uq1', 'quill1@mail.com', null, 'zed', 'quill', '1980-08-08', '3 ash row', 'madison', ts(1004)]);
  crm.push(['q2', 'uq2', 'quill2@mail.com', null, 'zed', 'quill', '1980-08-08', '3 ash row', 'madison', ts(1005)]);
  orders.push(['q3', null, 'zq@shop.com', null, 'zed', 'quill', '1980-08-08', '3 ash row', 'madison', ts(1006)]);
  // Household: a shared landline (not an identifier here), same surname and address, different people.
  orders.push(['h1', null, 'ole@home.no', '5550101', 'ole', 'nordmann', '1961-02-03', '9 fjord way', 'bristol', ts(1002)]);
  orders.push(['h2', null, 'kari@home.no', '5550101', 'kari', 'nordmann', '1966-11-23', '9 fjord way', 'bristol', ts(1003)]);
  return { crm, orders };
}

export const columns = ['k', 'user_id', 'email', 'phone', 'first_name', 'last_name', 'dob', 'address', 'city'].map(str);
const fields = { first_name: 'first_name', surname: 'last_name', dob: 'dob', address: 'address', city: 'city', phone: 'phone' };

export function probabilisticFixtureConfig(schema: string, raw: string): CdpConfigInput {
  return {
    schema,
    identity: {
      sources: [
        { name: 'crm', relation: `${raw}.crm`, key: 'k', timestamp: 'ts', ids: { user_id: 'user_id', email: 'email' } },
        { name: 'orders', relation: `${raw}.orders`, key: 'k', timestamp: 'ts', ids: { email: 'email' } },
      ],
      idTypes: { user_id: { priority: 1, maxPerProfile: 1 }, email: { priority: 2, normalize: 'email' } },
      probabilistic: {
        sources: { crm: { fields }, orders: { fields } },
        blocking: [['surname', 'dob'], ['first_name', 'dob'], ['address', 'city']],
        comparisons: {
          first_name: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
          surname: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
          dob: { levels: [{ exact: true }, { withinDays: 31 }] },
          address: { levels: [{ exact: true }, { levenshtein: 2 }] },
          city: { levels: [{ exact: true }] },
          phone: { levels: [{ exact: true }] },
        },
        threshold: { probability: 0.99 },
        uSampleSize: 50_000,
      },
    },
  };
}

