/**
 * raw.web_events: website tracking. Visitors browse anonymously under a cookie (anonymous_id); a
 * login, signup, newsletter form or checkout later ties that cookie to a user_id and/or an email.
 */
import { renderEmail } from '../contact.js';
import { anonymousIdsOf, type Person } from '../people.js';
import { plannedOrders, subscription, type PlannedOrder } from '../plans.js';
import { labelCode, type Rng, streamFor } from '../random.js';
import { CATEGORY_SLUGS, CONTENT_PATHS, PRODUCT_SLUGS, SEARCH_TERMS, SHOP_URL } from '../vocab/catalog.js';
import { HOUR_MS, MINUTE_MS, toTimestamp, type DemoWorld } from '../world.js';
import { RowIds, type DemoRow, type DemoTable } from './types.js';

const STREAM = labelCode('web_events');

type SessionKind = 'browse' | 'signup' | 'newsletter' | 'order';

interface Session {
  at: number;
  kind: SessionKind;
  order?: PlannedOrder;
}

const BROWSE_EVENTS = ['product_view', 'page_view', 'search', 'add_to_cart', 'checkout_started'] as const;
const BROWSE_WEIGHTS = [40, 30, 10, 15, 5];

export const webEvents: DemoTable = {
  name: 'web_events',
  columns: [
    { name: 'event_id', kind: 'string' },
    { name: 'anonymous_id', kind: 'string' },
    { name: 'user_id', kind: 'string' },
    { name: 'email', kind: 'string' },
    { name: 'event', kind: 'string' },
    { name: 'page_url', kind: 'string' },
    { name: 'ts', kind: 'timestamp' },
  ],
  writer(world) {
    const ids = new RowIds(world, 'web_events', 'wev_');
    return (person, out) => {
      if (person.cookies === 0) return;
      const rng = streamFor(world.seed, person.index, STREAM);
      const writer = new SessionWriter(world, person, anonymousIdsOf(world, person), rng, ids, out);
      for (const session of sessionsOf(world, person, rng)) writer.write(session);
    };
  },
};

function sessionsOf(world: DemoWorld, person: Person, rng: Rng): Session[] {
  const sessions: Session[] = [];
  const span = world.end - person.firstSeenAt - 2 * HOUR_MS;
  const browse = 1 + rng.poisson(person.activity * 0.5);
  for (let i = 0; i < browse; i++) sessions.push({ at: person.firstSeenAt + rng.next() * span, kind: 'browse' });
  if (person.signupAt !== null) sessions.push({ at: person.signupAt - 2 * MINUTE_MS, kind: 'signup' });
  const sub = subscription(world, person);
  if (sub?.via === 'newsletter_form') sessions.push({ at: sub.at - MINUTE_MS, kind: 'newsletter' });
  for (const order of plannedOrders(world, person)) {
    if (order.channel === 'web') sessions.push({ at: order.at - 8 * MINUTE_MS, kind: 'order', order });
  }
  return sessions.sort((a, b) => a.at - b.at);
}

/** Writes one person's sessions; holds the state of the session being written. */
class SessionWriter {
  private cookie = '';
  private userId: string | null = null;
  private t = 0;

  constructor(
    private readonly world: DemoWorld,
    private readonly person: Person,
    private readonly cookies: string[],
    private readonly rng: Rng,
    private readonly ids: RowIds,
    private readonly out: DemoRow[],
  ) {}

  write(session: Session): void {
    const { person, rng } = this;
    this.cookie = rng.chance(0.75) ? this.cookies[0]! : rng.pick(this.cookies);
    const registered = person.signupAt !== null && session.at >= person.signupAt;
    // Logged in from a remembered session, or logs in part-way through.
    this.userId = null;
    if (session.kind === 'order') this.userId = session.order!.loggedIn ? person.userId : null;
    else if (registered && rng.chance(0.35)) this.userId = person.userId;
    const logsIn = session.kind === 'browse' && registered && this.userId === null && rng.chance(0.3);
    this.t = session.at;

    this.emit('page_view', landingPath(rng));
    switch (session.kind) {
      case 'browse': {
        const more = Math.min(25, rng.geometric(0.45));
        const loginAt = logsIn ? rng.int(0, more) : -1;
        for (let i = 0; i < more; i++) {
          if (i === loginAt) this.login();
          const event = rng.weighted(BROWSE_EVENTS, BROWSE_WEIGHTS);
          this.emit(event, pathFor(rng, event));
        }
        if (loginAt === more) this.login();
        break;
      }
      case 'signup':
        this.userId = person.userId;
        this.emit('signup', '/account/register', renderEmail(rng, chooseEmail(person, rng), 0.3));
        this.emit('page_view', '/account');
        break;
      case 'newsletter':
        this.emit('newsletter_signup', '/newsletter', renderEmail(rng, subscription(this.world, person)!.email, 0.3));
        break;
      case 'order': {
        const order = session.order!;
        const views = rng.int(1, 2);
        for (let i = 0; i < views; i++) this.emit('product_view', `/p/${rng.pick(PRODUCT_SLUGS)}`);
        this.emit('add_to_cart', `/p/${rng.pick(PRODUCT_SLUGS)}`);
        this.emit('checkout_started', '/checkout');
        this.t = Math.max(this.t, order.at);
        // Guests must type an address at checkout; logged-in shoppers' events carry it half the time.
        const email = this.userId === null || rng.chance(0.5) ? checkoutEmail(person, order, rng) : null;
        this.emit('checkout_completed', `/checkout/confirmation?order=${order.id}`, email);
        break;
      }
    }
  }

  private emit(event: string, path: string, email: string | null = null): void {
    const ts = toTimestamp(Math.min(this.t, this.world.end - 1000));
    this.out.push([this.ids.next(), this.cookie, this.userId, email, event, SHOP_URL + path, ts]);
    this.t += 3000 + this.rng.exponential(40_000);
  }

  private login(): void {
    this.userId = this.person.userId;
    // Many login forms record the address typed in; some only the account id.
    this.emit('login', '/account/login', this.rng.chance(0.6) ? renderEmail(this.rng, chooseEmail(this.person, this.rng), 0.3) : null);
  }
}

function chooseEmail(person: Person, rng: Rng): string {
  return person.workEmail !== null && rng.chance(0.2) ? person.workEmail : person.personalEmail;
}

function checkoutEmail(person: Person, order: PlannedOrder, rng: Rng): string {
  if (rng.chance(0.004)) return 'test@test.com'; // a QA order that slipped into production
  return renderEmail(rng, order.useWork ? person.workEmail! : person.personalEmail, 0.3);
}

function landingPath(rng: Rng): string {
  const r = rng.next();
  const path = r < 0.35 ? '/' : r < 0.7 ? `/c/${rng.pick(CATEGORY_SLUGS)}` : r < 0.9 ? `/p/${rng.pick(PRODUCT_SLUGS)}` : rng.pick(CONTENT_PATHS);
  if (rng.chance(0.12)) return `${path}?utm_source=${rng.pick(['newsletter', 'google', 'facebook', 'instagram'])}&utm_medium=${rng.pick(['email', 'cpc', 'social'])}`;
  return path;
}

function pathFor(rng: Rng, event: string): string {
  switch (event) {
    case 'product_view':
    case 'add_to_cart':
      return `/p/${rng.pick(PRODUCT_SLUGS)}`;
    case 'search':
      return `/search?q=${encodeURIComponent(rng.pick(SEARCH_TERMS))}`;
    case 'checkout_started':
      return '/checkout';
    default:
      return rng.chance(0.6) ? `/c/${rng.pick(CATEGORY_SLUGS)}` : rng.pick(CONTENT_PATHS);
  }
}
