/**
 * raw.consent_records: consent granted or revoked per purpose over time, by email (sign-up forms,
 * preference centre, unsubscribe links) or by phone (store tills).
 */
import { renderEmail, renderPhone } from '../contact.js';
import type { Person } from '../people.js';
import { plannedOrders, subscription } from '../plans.js';
import { labelCode, streamFor } from '../random.js';
import { toTimestamp } from '../world.js';
import { RowIds, type DemoTable } from './types.js';

const STREAM = labelCode('consent');

export const CONSENT_PURPOSES = ['email_marketing', 'advertising', 'analytics', 'personalization'] as const;
export const CONSENT_SOURCES = ['web_signup', 'newsletter_form', 'checkout', 'pos', 'crm_import', 'preference_center', 'unsubscribe_link'] as const;

export const consentRecords: DemoTable = {
  name: 'consent_records',
  columns: [
    { name: 'record_id', kind: 'string' },
    { name: 'email', kind: 'string' },
    { name: 'phone', kind: 'string' },
    { name: 'purpose', kind: 'string' },
    { name: 'status', kind: 'string' },
    { name: 'source', kind: 'string' },
    { name: 'ts', kind: 'timestamp' },
  ],
  writer(world) {
    const ids = new RowIds(world, 'consent_records', 'cns_');
    return (person: Person, out) => {
      const rng = streamFor(world.seed, person.index, STREAM);
      const byEmail = (address: string, purpose: string, status: 'granted' | 'revoked', source: string, at: number) =>
        out.push([ids.next(), renderEmail(rng, address, 0.2), null, purpose, status, source, toTimestamp(at)]);

      const sub = subscription(world, person);
      if (sub) {
        byEmail(sub.email, 'email_marketing', 'granted', sub.via, sub.at);
        if (sub.unsubscribedAt !== null) byEmail(sub.email, 'email_marketing', 'revoked', 'unsubscribe_link', sub.unsubscribedAt + 5000);
      }
      const orders = plannedOrders(world, person);
      const firstWeb = orders.find((o) => o.channel === 'web');
      if (!sub && firstWeb && rng.chance(0.25)) {
        // Left the marketing box unticked at checkout: an explicit "no".
        byEmail(person.personalEmail, 'email_marketing', 'revoked', 'checkout', firstWeb.at + 1000);
      }
      if (person.signupAt !== null && rng.chance(0.6)) {
        // Privacy choices made at account sign-up, some changed later in the preference centre.
        const choices: Array<[string, number]> = [['analytics', 0.85], ['personalization', 0.65], ['advertising', 0.45]];
        for (const [purpose, yes] of choices) {
          const granted = rng.chance(yes);
          byEmail(person.personalEmail, purpose, granted ? 'granted' : 'revoked', 'web_signup', person.signupAt + 1000);
          if (rng.chance(0.1)) {
            const at = person.signupAt + rng.next() * (world.end - person.signupAt - 60_000);
            byEmail(person.personalEmail, purpose, granted ? 'revoked' : 'granted', 'preference_center', at);
          }
        }
      }
      const firstStore = orders.find((o) => o.channel === 'pos');
      if (firstStore && rng.chance(0.3)) {
        // Loyalty sign-up at the till: a phone number and a tick for personalised offers.
        const number = person.landline && rng.chance(0.4) ? person.landline : person.mobile;
        out.push([ids.next(), null, renderPhone(rng, number), 'personalization', 'granted', 'pos', toTimestamp(firstStore.at + 1000)]);
      }
    };
  },
};
