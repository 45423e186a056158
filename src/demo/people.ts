/**
 * The true people behind the demo data. A person is a pure function of (seed, index) plus the
 * household they were paired into inside their block of PEOPLE_PER_CHUNK, so any table can
 * regenerate the same people block by block without holding everyone in memory.
 */
import { personalEmail, phoneFor, workEmail, type Phone } from './contact.js';
import type { PlannedOrder, Subscription } from './plans.js';
import { fmix32, hash32, hex8, labelCode, Rng, streamFor } from './random.js';
import { COUNTRIES, COUNTRY_WEIGHTS, CITIES, type Country } from './vocab/places.js';
import { FIRST_NAMES, LAST_NAMES } from './vocab/names.js';
import { DAY_MS, HOUR_MS, PEOPLE_PER_CHUNK, type DemoWorld } from './world.js';

const PERSON_STREAM = labelCode('person');
const HOUSEHOLD_STREAM = labelCode('households');

export interface Device {
  id: string;
  platform: 'ios' | 'android';
}

/**
 * One true person. The draws that decide who they are and what they do are made up front (cheap
 * numbers); the strings derived from them (ids, addresses, numbers) are built on first use, since
 * most tables only need them for a minority of people.
 */
export class Person {
  country: Country;
  city: string;
  firstName: string;
  lastName: string;
  readonly hasWorkEmail: boolean;
  /** Whose index the landline number is derived from (the household's first member); null: none. */
  landlineOwner: number | null;
  readonly signupAt: number | null;
  readonly firstSeenAt: number;
  /** How active the person is (log-normal: most near 1, a few far above). */
  readonly activity: number;
  /** How many browser cookies they visit the website under (0: never visited); see anonymousIdsOf. */
  readonly cookies: number;
  /** How many devices they use the app on (0: no app); see devicesOf. */
  appDevices: number;
  /** Their first app device is this household member's (each logged in as themselves). */
  sharedDeviceOwner: number | null = null;
  readonly buyer: boolean;
  inCrm: boolean;
  /** Has a second, duplicate CRM contact. */
  readonly crmDuplicate: boolean;
  readonly contactsSupport: boolean;
  /** Index of the other member of their two-person household. */
  partner: number | null = null;

  /** Shop account id (null: never signed up). */
  readonly userId: string | null;
  /** Plans several tables share, drawn once per pass (see plans.ts). */
  readonly plans: { orders?: PlannedOrder[]; subscription?: Subscription | null } = {};

  private cache: { id?: string; personal?: string; work?: string | null; mobile?: Phone; landline?: Phone | null } = {};

  constructor(
    private readonly world: DemoWorld,
    readonly index: number,
  ) {
    const rng = streamFor(world.seed, index, PERSON_STREAM);
    const country = rng.weighted(COUNTRIES, COUNTRY_WEIGHTS);
    // One in ten has a name from elsewhere: an international customer base.
    const nameCountry = rng.chance(0.1) ? rng.pick(COUNTRIES) : country;
    this.country = country;
    this.city = rng.pick(CITIES[country]);
    this.firstName = rng.pick(FIRST_NAMES[nameCountry]);
    this.lastName = rng.pick(LAST_NAMES[nameCountry]);
    this.activity = Math.min(50, rng.logNormal(0, 1));
    this.firstSeenAt = world.end - rng.int(1, world.end - world.start - HOUR_MS);
    const registered = rng.chance(0.55);
    this.signupAt = registered ? Math.min(world.end - HOUR_MS, this.firstSeenAt + rng.exponential(6 * DAY_MS)) : null;
    this.cookies = rng.chance(registered ? 0.9 : 0.6) ? 1 + (rng.chance(0.3) ? 1 : 0) + (rng.chance(0.1) ? 1 : 0) : 0;
    this.appDevices = rng.chance(registered ? 0.42 : 0.1) ? (rng.chance(0.15) ? 2 : 1) : 0;
    this.buyer = rng.chance(registered ? 0.72 : 0.4);
    this.inCrm = registered ? rng.chance(0.92) : rng.chance(this.buyer ? 0.35 : 0.08);
    this.crmDuplicate = this.inCrm && rng.chance(0.05);
    this.contactsSupport = rng.chance(this.buyer ? 0.18 : 0.05);
    this.hasWorkEmail = rng.chance(0.3);
    this.landlineOwner = rng.chance(0.08) ? index : null;
    this.userId = registered ? `usr_${fmix32(index ^ world.keys.user).toString(36).padStart(7, '0')}` : null;
  }

  /** The truth id ('P0000042'): what demo_truth.person_id holds. */
  get id(): string {
    return (this.cache.id ??= personId(this.index));
  }

  get registered(): boolean {
    return this.signupAt !== null;
  }

  /** Scrambled index the address numbers derive from. */
  get addressNumber(): number {
    return this.world.addressIndex.map(this.index);
  }

  get personalEmail(): string {
    return (this.cache.personal ??= personalEmail(this.addressNumber, this.firstName, this.lastName, this.country));
  }

  /** About 30% also have a work address. */
  get workEmail(): string | null {
    if (this.cache.work === undefined) this.cache.work = this.hasWorkEmail ? workEmail(this.addressNumber, this.firstName, this.lastName) : null;
    return this.cache.work;
  }

  get mobile(): Phone {
    return (this.cache.mobile ??= phoneFor(this.index, 'mobile', this.country, this.world.keys.phone));
  }

  /** A home landline; the same number for both members of a household that has one. */
  get landline(): Phone | null {
    if (this.cache.landline === undefined) {
      this.cache.landline = this.landlineOwner === null ? null : phoneFor(this.landlineOwner, 'landline', this.country, this.world.keys.phone);
    }
    return this.cache.landline;
  }
}

/** Everyone in block `chunk`: persons [chunk * PEOPLE_PER_CHUNK, ...) up to world.people. */
export function peopleInChunk(world: DemoWorld, chunk: number): Person[] {
  const first = chunk * PEOPLE_PER_CHUNK;
  const last = Math.min(world.people, first + PEOPLE_PER_CHUNK);
  const people: Person[] = [];
  for (let index = first; index < last; index++) people.push(new Person(world, index));
  formHouseholds(world, chunk, people);
  return people;
}

export function chunkCount(world: DemoWorld): number {
  return Math.ceil(world.people / PEOPLE_PER_CHUNK);
}

/** Every person, block by block (one block in memory at a time). */
export function* allPeople(world: DemoWorld): Generator<Person> {
  const chunks = chunkCount(world);
  for (let chunk = 0; chunk < chunks; chunk++) yield* peopleInChunk(world, chunk);
}

export function personId(index: number): string {
  return `P${String(index).padStart(7, '0')}`;
}

/**
 * Pairs neighbours into two-person households: same city, often the same surname, sometimes a
 * shared landline (both on file with it: the household trap) and a shared app device.
 */
function formHouseholds(world: DemoWorld, chunk: number, people: Person[]): void {
  const rng = streamFor(world.seed, chunk, HOUSEHOLD_STREAM);
  for (let i = 0; i + 1 < people.length; i++) {
    if (!rng.chance(0.1)) continue;
    const [a, b] = [people[i]!, people[i + 1]!];
    i++;
    a.partner = b.index;
    b.partner = a.index;
    b.country = a.country;
    b.city = a.city;
    if (rng.chance(0.6)) b.lastName = a.lastName;
    if (rng.chance(0.6)) {
      a.landlineOwner = a.index;
      b.landlineOwner = a.index; // one number for both
      // Both are on file with the home number: forces the trap into every data set.
      a.inCrm = true;
      b.inCrm = true;
    }
    if (a.appDevices && a.registered && b.registered && rng.chance(0.7)) {
      // The family tablet: b uses a's device too, logged in as themselves.
      b.sharedDeviceOwner = a.index;
      b.appDevices = Math.max(1, b.appDevices);
    }
  }
}

/** The person's browser cookies: the first 8 hex digits are a bijection of (index, k), so unique. */
export function anonymousIdsOf(world: DemoWorld, person: Person): string[] {
  const ids: string[] = [];
  for (let k = 0; k < person.cookies; k++) {
    const rng = new Rng(hash32(world.keys.anonymous, person.index, k));
    const unique = hex8(fmix32(((person.index * 4 + k) ^ world.keys.anonymous) >>> 0));
    const r = rng.hex(22);
    ids.push(`${unique}-${r.slice(0, 4)}-4${r.slice(4, 7)}-${'89ab'[rng.int(0, 3)]}${r.slice(7, 10)}-${r.slice(10)}`);
  }
  return ids;
}

/** The devices the person uses the app on; the first is their household member's when shared. */
export function devicesOf(world: DemoWorld, person: Person): Device[] {
  const list: Device[] = [];
  for (let k = 0; k < person.appDevices; k++) {
    list.push(k === 0 && person.sharedDeviceOwner !== null ? deviceOf(world, person.sharedDeviceOwner, 0) : deviceOf(world, person.index, k));
  }
  return list;
}

function deviceOf(world: DemoWorld, owner: number, k: number): Device {
  const rng = new Rng(hash32(world.keys.device, owner, k));
  const unique = hex8(fmix32(((owner * 2 + k) ^ world.keys.device) >>> 0));
  if (rng.chance(0.55)) {
    const r = rng.hex(24);
    return { id: `${unique}-${r.slice(0, 4)}-${r.slice(4, 8)}-${r.slice(8, 12)}-${r.slice(12)}`.toUpperCase(), platform: 'ios' }; // IDFV
  }
  return { id: `${unique}${rng.hex(8)}`, platform: 'android' }; // Android ID: 16 hex digits
}
