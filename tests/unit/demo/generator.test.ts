import { beforeAll, describe, expect, it } from 'vitest';
import { JUNK_EMAILS, JUNK_PHONES } from '../../../src/demo/contact.js';
import { tableBatches } from '../../../src/demo/generate.js';
import { SOURCE_TABLES, type DemoRow } from '../../../src/demo/tables/index.js';
import { createWorld, type DemoWorld } from '../../../src/demo/world.js';

/** Every table's rows (each followed by its true person id), in memory: small worlds only. */
async function generate(world: DemoWorld): Promise<Record<string, DemoRow[]>> {
  const out: Record<string, DemoRow[]> = {};
  for (const table of SOURCE_TABLES) {
    out[table.name] = [];
    for await (const batch of tableBatches(world, table, 997)) out[table.name]!.push(...batch);
  }
  return out;
}

/** Rows as objects by column name, plus `person`. */
function objects(data: Record<string, DemoRow[]>, name: string): Array<Record<string, unknown>> {
  const table = SOURCE_TABLES.find((t) => t.name === name)!;
  return data[name]!.map((row) => {
    const record: Record<string, unknown> = { person: row[table.columns.length] };
    table.columns.forEach((c, i) => (record[c.name] = row[i]));
    return record;
  });
}

const CONTRACT: Record<string, string[]> = {
  web_events: ['event_id', 'anonymous_id', 'user_id', 'email', 'event', 'page_url', 'ts'],
  app_events: ['event_id', 'device_id', 'user_id', 'event', 'platform', 'ts'],
  crm_contacts: ['contact_id', 'email', 'phone', 'first_name', 'last_name', 'city', 'country', 'user_id', 'created_at', 'updated_at'],
  orders: ['order_id', 'user_id', 'email', 'phone', 'amount', 'currency', 'channel', 'store_id', 'ordered_at'],
  support_tickets: ['ticket_id', 'email', 'phone', 'subject', 'status', 'priority', 'created_at'],
  email_engagement: ['event_id', 'email', 'campaign_id', 'event_type', 'ts'],
  consent_records: ['record_id', 'email', 'phone', 'purpose', 'status', 'source', 'ts'],
};

const NULLABLE: Record<string, string[]> = {
  web_events: ['user_id', 'email'],
  app_events: ['user_id'],
  crm_contacts: ['user_id'],
  orders: ['user_id', 'email', 'phone'],
  support_tickets: ['phone'],
  email_engagement: [],
  consent_records: ['email', 'phone'],
};

const digits = (phone: string) => phone.replace(/\D/g, '').replace(/^00/, '').replace(/^1(?=\d{10}$)/, '');
const cleanEmail = (email: unknown) => (typeof email === 'string' && /^[^@\s]+@[^@\s]+\.[a-z]+$/i.test(email.trim()) ? email.trim().toLowerCase() : null);

const REFERENCE = new Date('2025-06-01T00:00:00Z');
let world: DemoWorld;
let data: Record<string, DemoRow[]>;

beforeAll(async () => {
  world = createWorld({ seed: 11, people: 1200, referenceDate: REFERENCE });
  data = await generate(world);
});

describe('demo generator: shapes', () => {
  it('produces every raw table of contracts.md with exactly its columns', () => {
    expect(Object.fromEntries(SOURCE_TABLES.map((t) => [t.name, t.columns.map((c) => c.name)]))).toEqual(CONTRACT);
    expect(SOURCE_TABLES.find((t) => t.name === 'orders')!.columns.find((c) => c.name === 'amount')!.kind).toBe('number');
  });

  it('fills every column with its type, null only where the contract allows', () => {
    const problems = new Set<string>();
    for (const table of SOURCE_TABLES) {
      expect(data[table.name]!.length, table.name).toBeGreaterThan(0);
      for (const row of data[table.name]!) {
        if (row.length !== table.columns.length + 1) problems.add(`${table.name}: row of ${row.length} values`);
        table.columns.forEach((column, i) => {
          const value = row[i];
          const where = `${table.name}.${column.name}`;
          if (value === null) {
            if (!NULLABLE[table.name]!.includes(column.name)) problems.add(`${where} is null`);
          } else if (column.kind === 'timestamp') {
            const ms = value instanceof Date ? value.getTime() : NaN;
            if (!(ms >= world.start && ms < world.end)) problems.add(`${where} = ${String(value)} outside the history`);
          } else if (typeof value !== (column.kind === 'number' ? 'number' : 'string')) problems.add(`${where} is a ${typeof value}`);
        });
      }
    }
    expect([...problems]).toEqual([]);
  });

  it('gives every record a unique key and a true person', () => {
    for (const table of SOURCE_TABLES) {
      const keys = new Set(data[table.name]!.map((row) => row[0]));
      expect(keys.size, table.name).toBe(data[table.name]!.length);
      expect(data[table.name]!.filter((row) => !/^P\d{7}$/.test(String(row[table.columns.length])))).toEqual([]);
    }
  });

  it('uses the documented value sets', () => {
    const values = (table: string, column: string) => new Set(objects(data, table).map((r) => r[column]));
    expect(values('orders', 'channel')).toEqual(new Set(['web', 'pos']));
    expect(values('orders', 'currency')).toEqual(new Set(['USD', 'CAD', 'GBP', 'EUR']));
    expect(values('email_engagement', 'event_type')).toEqual(new Set(['sent', 'open', 'click', 'unsubscribe']));
    expect(values('consent_records', 'purpose')).toEqual(new Set(['email_marketing', 'advertising', 'analytics', 'personalization']));
    expect(values('consent_records', 'status')).toEqual(new Set(['granted', 'revoked']));
    expect(values('app_events', 'platform')).toEqual(new Set(['ios', 'android']));
    expect(values('crm_contacts', 'country')).toEqual(new Set(['US', 'CA', 'GB', 'DE', 'FR']));
  });

  it('has realistic distributions: mostly US, log-normal amounts, a few heavy users', () => {
    const crm = objects(data, 'crm_contacts');
    const us = crm.filter((r) => r.country === 'US').length / crm.length;
    expect(us).toBeGreaterThan(0.6);
    expect(us).toBeLessThan(0.8);
    const amounts = objects(data, 'orders').map((r) => r.amount as number).sort((a, b) => a - b);
    const median = amounts[Math.floor(amounts.length / 2)]!;
    const mean = amounts.reduce((s, a) => s + a, 0) / amounts.length;
    expect(median).toBeGreaterThan(25);
    expect(median).toBeLessThan(70);
    expect(mean).toBeGreaterThan(median); // right-skewed
    const perPerson = new Map<unknown, number>();
    for (const r of objects(data, 'web_events')) perPerson.set(r.person, (perPerson.get(r.person) ?? 0) + 1);
    const counts = [...perPerson.values()].sort((a, b) => a - b);
    expect(counts[counts.length - 1]!).toBeGreaterThan(8 * counts[Math.floor(counts.length / 2)]!);
  });
});

describe('demo generator: determinism', () => {
  it('gives identical rows for the same seed and reference date', async () => {
    const again = await generate(createWorld({ seed: 11, people: 1200, referenceDate: REFERENCE }));
    expect(JSON.stringify(again)).toBe(JSON.stringify(data));
  });

  it('gives different rows for another seed', async () => {
    const other = await generate(createWorld({ seed: 12, people: 1200, referenceDate: REFERENCE }));
    for (const table of SOURCE_TABLES) expect(other[table.name]!.slice(0, 20), table.name).not.toEqual(data[table.name]!.slice(0, 20));
  });

  it('shifts the history with the reference date', async () => {
    const later = await generate(createWorld({ seed: 11, people: 50, referenceDate: new Date('2025-07-01T12:34:56Z') }));
    const earlier = await generate(createWorld({ seed: 11, people: 50, referenceDate: REFERENCE }));
    const shift = (later.orders![0]![8] as Date).getTime() - (earlier.orders![0]![8] as Date).getTime();
    expect(shift).toBe(30 * 86_400_000); // the time of day of the date is ignored
  });
});

describe('demo generator: the mess real data has', () => {
  it('has junk placeholders for emails and phones', () => {
    const crm = objects(data, 'crm_contacts');
    const junkEmails = new Set(crm.map((r) => r.email).filter((e) => JUNK_EMAILS.includes(e as string)));
    const junkPhones = new Set([...crm, ...objects(data, 'orders')].map((r) => r.phone).filter((p) => JUNK_PHONES.includes(p as string)));
    expect(junkEmails.size).toBeGreaterThanOrEqual(3);
    expect(junkPhones).toContain('0000000000');
    expect(junkPhones.size).toBeGreaterThanOrEqual(3);
    expect(objects(data, 'orders').some((r) => r.email === 'test@test.com' || JUNK_EMAILS.includes(r.email as string))).toBe(true);
  });

  it('has mixed-case and padded emails, and phones in many formats', () => {
    const emails = objects(data, 'crm_contacts').map((r) => r.email as string);
    expect(emails.some((e) => /[A-Z]/.test(e) && e.includes('@'))).toBe(true);
    expect(emails.some((e) => e !== e.trim() && e.includes('@'))).toBe(true);
    const phones = objects(data, 'crm_contacts').map((r) => r.phone as string);
    expect(phones.some((p) => /^\(\d{3}\) \d{3}-\d{4}$/.test(p))).toBe(true);
    expect(phones.some((p) => /^\+1 \d{3} \d{3} \d{4}$/.test(p))).toBe(true);
    expect(phones.some((p) => /^\d{3}\.\d{3}\.\d{4}$/.test(p))).toBe(true);
    expect(phones.some((p) => /^0044 /.test(p) || /^\+44/.test(p))).toBe(true);
  });

  it('has shared family devices: one device_id, two people logged in with different user_ids', () => {
    const byDevice = new Map<unknown, { users: Set<unknown>; people: Set<unknown> }>();
    for (const r of objects(data, 'app_events')) {
      if (r.user_id === null) continue;
      const entry = byDevice.get(r.device_id) ?? { users: new Set(), people: new Set() };
      entry.users.add(r.user_id);
      entry.people.add(r.person);
      byDevice.set(r.device_id, entry);
    }
    const shared = [...byDevice.values()].filter((e) => e.users.size > 1);
    expect(shared.length).toBeGreaterThanOrEqual(3);
    for (const e of shared) expect(e.people.size).toBe(e.users.size);
  });

  it('has the household trap: two people on file with one landline, different names and emails', () => {
    const byPhone = new Map<string, Array<Record<string, unknown>>>();
    for (const r of objects(data, 'crm_contacts')) {
      const d = digits(r.phone as string);
      if (d.length < 9 || /^(\d)\1+$/.test(d) || d === '1234567890') continue;
      byPhone.set(d, [...(byPhone.get(d) ?? []), r]);
    }
    const traps = [...byPhone.values()].filter((rows) => {
      const people = new Set(rows.map((r) => r.person));
      const names = new Set(rows.map((r) => `${r.first_name} ${r.last_name}`.toLowerCase()));
      const emails = new Set(rows.map((r) => cleanEmail(r.email)));
      return people.size === 2 && names.size >= 2 && emails.size >= 2;
    });
    expect(traps.length).toBeGreaterThanOrEqual(5);
  });

  it('has people with two email addresses (personal and work)', () => {
    const emails = new Map<unknown, Set<string>>();
    for (const table of ['crm_contacts', 'orders', 'support_tickets', 'web_events', 'email_engagement']) {
      for (const r of objects(data, table)) {
        const e = cleanEmail(r.email);
        if (!e || JUNK_EMAILS.includes(e)) continue;
        emails.set(r.person, (emails.get(r.person) ?? new Set()).add(e));
      }
    }
    const two = [...emails.values()].filter((s) => s.size === 2);
    expect(two.length).toBeGreaterThan(30);
    // An address belongs to one person only.
    const owners = new Map<string, unknown>();
    const shared: string[] = [];
    for (const [person, set] of emails) {
      for (const e of set) {
        if ((owners.get(e) ?? person) !== person) shared.push(e);
        owners.set(e, person);
      }
    }
    expect(shared).toEqual([]);
  });

  it('has CRM duplicates of one person, some with a misspelt name', () => {
    const contacts = new Map<unknown, Array<Record<string, unknown>>>();
    for (const r of objects(data, 'crm_contacts')) contacts.set(r.person, [...(contacts.get(r.person) ?? []), r]);
    const duplicated = [...contacts.values()].filter((rows) => rows.length === 2);
    expect(duplicated.length).toBeGreaterThanOrEqual(10);
    const misspelt = duplicated.filter(([a, b]) => a!.first_name !== b!.first_name || a!.last_name !== b!.last_name);
    expect(misspelt.length).toBeGreaterThanOrEqual(3);
  });

  it('has anonymous web visitors that later log in, and store orders with only a phone or an email', () => {
    const cookies = new Map<unknown, { anonymous: boolean; known: boolean }>();
    for (const r of objects(data, 'web_events')) {
      const c = cookies.get(r.anonymous_id) ?? { anonymous: false, known: false };
      if (r.user_id === null && r.email === null) c.anonymous = true;
      else c.known = true;
      cookies.set(r.anonymous_id, c);
    }
    expect([...cookies.values()].filter((c) => c.anonymous && c.known).length).toBeGreaterThan(100);
    expect([...cookies.values()].some((c) => !c.known)).toBe(true); // never identified
    const pos = objects(data, 'orders').filter((r) => r.channel === 'pos');
    expect(pos.some((r) => r.phone !== null && r.email === null && r.user_id === null)).toBe(true);
    expect(pos.some((r) => r.email !== null && r.phone === null && r.user_id === null)).toBe(true);
  });

  it('keeps email engagement and consent consistent: every unsubscribe is a revoked consent', () => {
    const unsubscribed = new Set(objects(data, 'email_engagement').filter((r) => r.event_type === 'unsubscribe').map((r) => r.person));
    const revoked = new Set(
      objects(data, 'consent_records').filter((r) => r.source === 'unsubscribe_link' && r.status === 'revoked').map((r) => r.person),
    );
    expect(unsubscribed.size).toBeGreaterThan(5);
    for (const person of unsubscribed) expect(revoked).toContain(person);
  });
});
