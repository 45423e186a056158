/**
 * Facts about a person that several tables must agree on: their orders (orders, and the web
 * checkout sessions of web_events) and their newsletter subscription (email_engagement,
 * consent_records, web_events). Each plan is redrawn from its own stream whenever a table needs it.
 */
import type { Person } from './people.js';
import { fmix32, labelCode, streamFor } from './random.js';
import { CURRENCY } from './vocab/places.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, type DemoWorld } from './world.js';

const ORDERS_STREAM = labelCode('orders');
const MARKETING_STREAM = labelCode('marketing');

export interface PlannedOrder {
  id: string;
  at: number;
  channel: 'web' | 'pos';
  amount: number;
  currency: string;
  storeId: string;
  /** Web orders only: placed while logged in to the shop account. */
  loggedIn: boolean;
  /** Paid with the work address as contact. */
  useWork: boolean;
}

const MAX_ORDERS = 60;

// Several tables read the same plan of the same person: draw it once per Person object.
export function plannedOrders(world: DemoWorld, person: Person): PlannedOrder[] {
  return (person.plans.orders ??= drawOrders(world, person));
}

export function subscription(world: DemoWorld, person: Person): Subscription | null {
  if (person.plans.subscription === undefined) person.plans.subscription = drawSubscription(world, person);
  return person.plans.subscription;
}

function drawOrders(world: DemoWorld, person: Person): PlannedOrder[] {
  if (!person.buyer) return [];
  const rng = streamFor(world.seed, person.index, ORDERS_STREAM);
  const count = Math.min(MAX_ORDERS, 1 + rng.poisson(person.activity * 0.6));
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(person.firstSeenAt + rng.next() * (world.end - person.firstSeenAt - HOUR_MS));
  times.sort((a, b) => a - b);
  const online = person.cookies > 0;
  return times.map((at, k) => {
    const channel = online && rng.chance(0.68) ? 'web' : 'pos';
    // Log-normal basket values: median ~$48 online, ~$34 in store, a long tail of big baskets.
    const amount = Math.round(rng.logNormal(Math.log(channel === 'web' ? 48 : 34), 0.75) * 100) / 100;
    const loggedIn = channel === 'web' && person.userId !== null && at >= person.signupAt! && rng.chance(0.85);
    return {
      id: `ORD-${fmix32(((person.index * 64 + k) ^ world.keys.order) >>> 0).toString(36).toUpperCase().padStart(7, '0')}`,
      at,
      channel,
      amount: Math.max(1, amount),
      currency: CURRENCY[person.country],
      storeId: channel === 'web' ? 'online' : storeOf(person.city, rng.int(0, 9)),
      loggedIn,
      useWork: person.workEmail !== null && rng.chance(0.15),
    };
  });
}

/** One to three stores per city: 'store_new_york_2'. */
function storeOf(city: string, draw: number): string {
  let stores = storesByCity.get(city);
  if (!stores) {
    const count = 1 + (labelCode(city) % 3);
    stores = Array.from({ length: count }, (_, i) => `store_${slug(city)}_${i + 1}`);
    storesByCity.set(city, stores);
  }
  return stores[draw % stores.length]!;
}

const storesByCity = new Map<string, string[]>();

/** 'Québec City' -> 'quebec_city'. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

export type SubscriptionChannel = 'web_signup' | 'newsletter_form' | 'checkout' | 'pos' | 'crm_import';

export interface Subscription {
  /** The canonical address subscribed. */
  email: string;
  via: SubscriptionChannel;
  at: number;
  unsubscribedAt: number | null;
  /** Chance to open a received campaign, and to click an opened one. */
  openRate: number;
  clickRate: number;
}

function drawSubscription(world: DemoWorld, person: Person): Subscription | null {
  const rng = streamFor(world.seed, person.index, MARKETING_STREAM);
  let via: SubscriptionChannel;
  let at: number;
  if (person.userId !== null && rng.chance(0.6)) {
    via = 'web_signup';
    at = person.signupAt! + rng.int(1, 60) * 1000;
  } else if (person.buyer && rng.chance(0.35)) {
    const first = plannedOrders(world, person)[0]!;
    via = first.channel === 'web' ? 'checkout' : 'pos';
    at = first.at + 2000;
  } else if (person.cookies > 0 && rng.chance(0.12)) {
    via = 'newsletter_form';
    at = person.firstSeenAt + rng.next() * (world.end - person.firstSeenAt - 2 * HOUR_MS);
  } else if (person.inCrm && rng.chance(0.1)) {
    via = 'crm_import';
    at = Math.max(person.firstSeenAt, world.end - rng.int(30, 200) * DAY_MS);
  } else {
    return null;
  }
  const email = person.workEmail !== null && rng.chance(0.2) ? person.workEmail : person.personalEmail;
  const unsubscribedAt = rng.chance(0.15) ? at + rng.next() * Math.max(MINUTE_MS, world.end - at - HOUR_MS) : null;
  const engaged = rng.next();
  return { email, via, at, unsubscribedAt, openRate: 0.7 * engaged * engaged, clickRate: 0.35 * rng.next() };
}
