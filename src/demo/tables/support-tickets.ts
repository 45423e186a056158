/**
 * raw.support_tickets: the help desk. The address the customer wrote from (as typed), sometimes
 * a callback number; tickets follow orders and age into solved/closed.
 */
import { JUNK_EMAILS, renderEmail, renderPhone } from '../contact.js';
import { plannedOrders } from '../plans.js';
import { labelCode, streamFor } from '../random.js';
import { TICKET_SUBJECTS } from '../vocab/catalog.js';
import { DAY_MS, HOUR_MS, toTimestamp } from '../world.js';
import { RowIds, type DemoTable } from './types.js';

const STREAM = labelCode('support');

export const supportTickets: DemoTable = {
  name: 'support_tickets',
  columns: [
    { name: 'ticket_id', kind: 'string' },
    { name: 'email', kind: 'string' },
    { name: 'phone', kind: 'string' },
    { name: 'subject', kind: 'string' },
    { name: 'status', kind: 'string' },
    { name: 'priority', kind: 'string' },
    { name: 'created_at', kind: 'timestamp' },
  ],
  writer(world) {
    const ids = new RowIds(world, 'support_tickets', 'TKT-');
    return (person, out) => {
      if (!person.contactsSupport) return;
      const rng = streamFor(world.seed, person.index, STREAM);
      const orders = plannedOrders(world, person);
      const count = Math.min(8, 1 + rng.geometric(0.6));
      for (let i = 0; i < count; i++) {
        // Most tickets follow an order by a few days; the rest come out of the blue.
        const after = orders.length && rng.chance(0.6) ? rng.pick(orders).at + rng.int(1, 5) * DAY_MS : null;
        const createdAt = Math.min(world.end - HOUR_MS, after ?? person.firstSeenAt + rng.next() * (world.end - person.firstSeenAt - HOUR_MS));
        const address = person.workEmail !== null && rng.chance(0.25) ? person.workEmail : person.personalEmail;
        const email = rng.chance(0.015) ? rng.pick(JUNK_EMAILS) : renderEmail(rng, address, 0.6);
        const phone = rng.chance(0.3) ? renderPhone(rng, person.landline && rng.chance(0.3) ? person.landline : person.mobile) : null;
        const ageDays = (world.end - createdAt) / DAY_MS;
        const status = ageDays > 14 ? rng.weighted(['closed', 'solved'], [70, 30]) : rng.weighted(['open', 'pending', 'solved'], [45, 25, 30]);
        const priority = rng.weighted(['low', 'normal', 'high', 'urgent'], [30, 50, 15, 5]);
        out.push([ids.next(), email, phone, rng.pick(TICKET_SUBJECTS), status, priority, toTimestamp(createdAt)]);
      }
    };
  },
};
