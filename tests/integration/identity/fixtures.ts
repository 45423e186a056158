import type { CdpConfigInput } from '../../../src/config/index.js';
import type { TableSpec } from './helpers.js';

/**
 * A small hand-made world with one trap per scenario. People:
 * - alice: user u1, anonymous cookie a1 (before and after login), email in three spellings, phone
 *   in two formats on an order without email;
 * - bob and carol: logged in (u2, u3) on one family tablet d1; an anonymous app session on d1 too;
 * - dave and erin: both typed test@test.com at the till (and other junk), different phones;
 * - frank: user u4 with two emails;
 * - grace: orders only, one phone written five ways;
 * - the store: a till email on many orders of different phones (quarantined when the degree cap is low).
 */
const ts = (day: number, hour = 0) => new Date(Date.UTC(2024, 0, day, hour));

export const WEB: TableSpec = {
  name: 'web_events',
  columns: [
    { name: 'event_id', kind: 'string' },
    { name: 'anonymous_id', kind: 'string' },
    { name: 'user_id', kind: 'string' },
    { name: 'email', kind: 'string' },
    { name: 'ts', kind: 'timestamp' },
  ],
  rows: [
    ['w1', 'A1', null, null, ts(1)],
    ['w2', 'a1', 'u1', null, ts(2)],
    ['w3', 'a1', null, 'Alice@Gmail.com', ts(3)],
    ['w4', 'f9', 'u4', 'frank@work.com', ts(4)],
    ['w5', 'f9', 'u4', 'FRANK@home.net ', ts(5)],
    ['w6', 'z1', null, 'N/A', ts(6)],
    ['w7', 'z2', null, '', ts(6)],
    ['w8', 'unknown', null, null, ts(6)],
  ],
};

export const APP: TableSpec = {
  name: 'app_events',
  columns: [
    { name: 'event_id', kind: 'string' },
    { name: 'device_id', kind: 'string' },
    { name: 'user_id', kind: 'string' },
    { name: 'ts', kind: 'timestamp' },
  ],
  rows: [
    ['p1', 'd1', 'u2', ts(2)],
    ['p2', 'd1', 'u3', ts(3)],
    ['p3', 'd1', null, ts(4)],
    ['p4', 'd2', 'u2', ts(5)],
  ],
};

export const CRM: TableSpec = {
  name: 'crm_contacts',
  columns: [
    { name: 'contact_id', kind: 'string' },
    { name: 'email', kind: 'string' },
    { name: 'phone', kind: 'string' },
    { name: 'user_id', kind: 'string' },
    { name: 'first_name', kind: 'string' },
    { name: 'updated_at', kind: 'timestamp' },
  ],
  rows: [
    ['c1', ' ALICE@GMAIL.COM', '(415) 555-0101', null, 'Alice', ts(3)],
    ['c2', 'alice@gmail.com', null, 'u1', 'Alicia', ts(8)],
    ['c3', 'test@test.com', '+1 646 555 0144', null, 'Dave', ts(4)],
    ['c4', 'test@test.com', '646.555.0155', null, 'Erin', ts(4)],
    ['c5', 'null', '000-000-0000', null, 'Nobody', ts(4)],
  ],
};

export const ORDERS: TableSpec = {
  name: 'orders',
  columns: [
    { name: 'order_id', kind: 'string' },
    { name: 'email', kind: 'string' },
    { name: 'phone', kind: 'string' },
    { name: 'amount', kind: 'number' },
    { name: 'ordered_at', kind: 'timestamp' },
  ],
  rows: [
    ['o1', null, '+1 415-555-0101', 10, ts(4)],
    ['o2', 'alice@gmail.com', null, 15, ts(5)],
    ['o3', 'test@test.com', '646-555-0144', 20, ts(5)],
    ['o4', 'n/a', '(646) 555-0155', 30, ts(6)],
    ['o5', null, '(212) 555-0199', 5, ts(1)],
    ['o6', null, '212.555.0199', 5, ts(2)],
    ['o7', null, '+1 212 555 0199', 5, ts(3)],
    ['o8', null, '1-212-555-0199', 5, ts(4)],
    ['o9', null, '0012125550199', 5, ts(5)],
    ['o10', 'till@store.com', '(303) 555-0110', 1, ts(6)],
    ['o11', 'till@store.com', '(303) 555-0111', 1, ts(6)],
    ['o12', 'till@store.com', '(303) 555-0112', 1, ts(6)],
    ['o13', 'till@store.com', '(303) 555-0113', 1, ts(6)],
  ],
};

export const TABLES = [WEB, APP, CRM, ORDERS];

export function fixtureConfig(rawSchema: string, schema: string, overrides: { maxRecordsPerValue?: number } = {}): CdpConfigInput {
  return {
    warehouse: { type: 'duckdb', path: ':memory:' },
    schema,
    identity: {
      sources: [
        { name: 'web_events', relation: `${rawSchema}.web_events`, key: 'event_id', timestamp: 'ts', ids: { anonymous_id: 'anonymous_id', user_id: 'user_id', email: 'email' } },
        { name: 'app_events', relation: `${rawSchema}.app_events`, key: 'event_id', timestamp: 'ts', ids: { device_id: 'device_id', user_id: 'user_id' } },
        { name: 'crm_contacts', relation: `${rawSchema}.crm_contacts`, key: 'contact_id', timestamp: 'updated_at', ids: { email: 'email', phone: 'phone', user_id: 'user_id' } },
        { name: 'orders', relation: `${rawSchema}.orders`, key: 'order_id', timestamp: 'ordered_at', ids: { email: 'email', phone: 'phone' } },
      ],
      idTypes: {
        user_id: { priority: 1, maxPerProfile: 1 },
        email: { priority: 2, normalize: 'email' },
        phone: { priority: 3, normalize: 'phone', defaultRegion: 'US' },
        device_id: { priority: 4 },
        anonymous_id: { priority: 5, normalize: 'lower' },
      },
      maxRecordsPerValue: overrides.maxRecordsPerValue ?? 1000,
    },
    profiles: {
      traits: {
        first_name: { source: 'crm_contacts', column: 'first_name', rule: 'most_recent' },
        first_name_first: { source: 'crm_contacts', column: 'first_name', rule: 'first_seen' },
        lifetime_value: { source: 'orders', sql: 'sum(amount)' },
        order_count: { source: 'orders', sql: 'count(*)' },
      },
    },
  };
}

/** The expected grouping of records into profiles (maxRecordsPerValue 3: the till email is quarantined). */
export const EXPECTED_GROUPS: string[][] = [
  // alice
  ['crm_contacts:c1', 'crm_contacts:c2', 'orders:o1', 'orders:o2', 'web_events:w1', 'web_events:w2', 'web_events:w3'],
  // bob (u2 on d1 and d2)
  ['app_events:p1', 'app_events:p4'],
  // carol
  ['app_events:p2'],
  // the family tablet's anonymous session: d1 links neither bob nor carol
  ['app_events:p3'],
  // dave: test@test.com is junk, his phone links his CRM contact and order
  ['crm_contacts:c3', 'orders:o3'],
  // erin
  ['crm_contacts:c4', 'orders:o4'],
  // grace: five spellings of one phone
  ['orders:o5', 'orders:o6', 'orders:o7', 'orders:o8', 'orders:o9'],
  // the till email is quarantined: each order is its own phone's profile
  ['orders:o10'],
  ['orders:o11'],
  ['orders:o12'],
  ['orders:o13'],
  // frank
  ['web_events:w4', 'web_events:w5'],
  // cookies typed with junk emails
  ['web_events:w6'],
  ['web_events:w7'],
].sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
