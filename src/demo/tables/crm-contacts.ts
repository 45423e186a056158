/**
 * raw.crm_contacts: the CRM's contact list, typed in by people. Addresses as entered (re-cased,
 * padded, placeholders), phones in every style, the home landline a household shares, and
 * duplicate contacts of one person with a misspelt name and their other address.
 */
import { JUNK_EMAILS, JUNK_PHONES, renderEmail, renderPhone, typo } from '../contact.js';
import type { Person } from '../people.js';
import { fmix32, labelCode, type Rng, streamFor } from '../random.js';
import { DAY_MS, HOUR_MS, toTimestamp, type DemoWorld } from '../world.js';
import type { DemoRow, DemoTable } from './types.js';

const STREAM = labelCode('crm');

export const crmContacts: DemoTable = {
  name: 'crm_contacts',
  columns: [
    { name: 'contact_id', kind: 'string' },
    { name: 'email', kind: 'string' },
    { name: 'phone', kind: 'string' },
    { name: 'first_name', kind: 'string' },
    { name: 'last_name', kind: 'string' },
    { name: 'city', kind: 'string' },
    { name: 'country', kind: 'string' },
    { name: 'user_id', kind: 'string' },
    { name: 'created_at', kind: 'timestamp' },
    { name: 'updated_at', kind: 'timestamp' },
  ],
  writer(world) {
    return (person, out) => {
      if (!person.inCrm) return;
      const rng = streamFor(world.seed, person.index, STREAM);
      const createdAt = Math.min(world.end - 2 * HOUR_MS, (person.signupAt ?? person.firstSeenAt) + rng.exponential(2 * DAY_MS));
      const primaryEmail = person.workEmail !== null && rng.chance(0.15) ? person.workEmail : person.personalEmail;
      let first = person.firstName;
      let last = person.lastName;
      if (rng.chance(0.03)) first = typo(rng, first);
      if (rng.chance(0.03)) last = typo(rng, last);
      out.push(contactRow(world, person, rng, 0, {
        email: primaryEmail,
        // Households on file with their landline: the trap that must not merge two people.
        phone: person.landline && rng.chance(0.8) ? 'landline' : 'mobile',
        first,
        last,
        userId: person.userId !== null && rng.chance(0.85) ? person.userId : null,
        createdAt,
      }));
      if (!person.crmDuplicate) return;
      // A second contact made later (store sign-up sheet, import): other address, misspelt name, no account link.
      const otherEmail = primaryEmail === person.personalEmail ? (person.workEmail ?? person.personalEmail) : person.personalEmail;
      const misspell = rng.chance(0.5);
      out.push(contactRow(world, person, rng, 1, {
        email: rng.chance(0.7) ? otherEmail : primaryEmail,
        phone: rng.chance(0.7) ? 'mobile' : 'none',
        first: misspell ? typo(rng, person.firstName) : person.firstName,
        last: misspell ? person.lastName : typo(rng, person.lastName),
        userId: person.userId !== null && rng.chance(0.1) ? person.userId : null,
        createdAt: createdAt + rng.next() * (world.end - createdAt - HOUR_MS),
      }));
    };
  },
};

interface ContactFields {
  email: string;
  phone: 'mobile' | 'landline' | 'none';
  first: string;
  last: string;
  userId: string | null;
  createdAt: number;
}

function contactRow(world: DemoWorld, person: Person, rng: Rng, copy: number, f: ContactFields): DemoRow {
  const id = `C${String(fmix32(((person.index * 2 + copy) ^ world.keys.contact) >>> 0)).padStart(10, '0')}`;
  const email = rng.chance(0.03) ? rng.pick(JUNK_EMAILS) : renderEmail(rng, f.email, 0.8);
  let phone: string;
  if (f.phone === 'none' || rng.chance(0.06)) phone = rng.pick(JUNK_PHONES);
  else phone = renderPhone(rng, f.phone === 'landline' ? person.landline! : person.mobile);
  const updatedAt = f.createdAt + rng.next() * (world.end - f.createdAt - 1000);
  return [
    id,
    email,
    phone,
    casing(rng, f.first),
    casing(rng, f.last),
    person.city,
    person.country,
    f.userId,
    toTimestamp(f.createdAt),
    toTimestamp(updatedAt),
  ];
}

/** Names as typed: mostly as given, sometimes all caps or all lower case. */
function casing(rng: Rng, name: string): string {
  const r = rng.next();
  if (r < 0.03) return name.toUpperCase();
  if (r < 0.05) return name.toLowerCase();
  return name;
}
