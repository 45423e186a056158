/**
 * raw.orders: web shop and store (POS) orders. Web orders carry the account and/or the checkout
 * address; till receipts often only a phone or an email, sometimes nothing or a placeholder.
 */
import { JUNK_PHONES, renderEmail, renderPhone } from '../contact.js';
import { plannedOrders } from '../plans.js';
import { labelCode, streamFor } from '../random.js';
import { toTimestamp } from '../world.js';
import type { DemoTable } from './types.js';

const STREAM = labelCode('order_rows');

const TILL_JUNK_EMAILS = ['noemail@example.com', 'none', 'N/A', 'na@na.com', 'test@test.com'];
const TILL_JUNK_PHONES = JUNK_PHONES.filter((p) => p !== '');

export const orders: DemoTable = {
  name: 'orders',
  columns: [
    { name: 'order_id', kind: 'string' },
    { name: 'user_id', kind: 'string' },
    { name: 'email', kind: 'string' },
    { name: 'phone', kind: 'string' },
    { name: 'amount', kind: 'number' },
    { name: 'currency', kind: 'string' },
    { name: 'channel', kind: 'string' },
    { name: 'store_id', kind: 'string' },
    { name: 'ordered_at', kind: 'timestamp' },
  ],
  writer(world) {
    return (person, out) => {
      if (!person.buyer) return;
      const rng = streamFor(world.seed, person.index, STREAM);
      for (const order of plannedOrders(world, person)) {
        const address = order.useWork ? person.workEmail! : person.personalEmail;
        let userId: string | null = null;
        let email: string | null = null;
        let phone: string | null = null;
        if (order.channel === 'web') {
          userId = order.loggedIn ? person.userId : null;
          email = rng.chance(0.004) ? 'test@test.com' : renderEmail(rng, address, 0.3);
          phone = rng.chance(0.35) ? renderPhone(rng, person.mobile) : null;
        } else {
          // What the till captured: phone for loyalty lookup, email for an e-receipt, both, or nothing.
          const captured = rng.weighted(['phone', 'email', 'both', 'none'], [38, 27, 15, 20]);
          if (captured === 'phone' || captured === 'both') {
            const number = person.landline && rng.chance(0.5) ? person.landline : person.mobile;
            phone = rng.chance(0.05) ? rng.pick(TILL_JUNK_PHONES) : renderPhone(rng, number);
          }
          if (captured === 'email' || captured === 'both') {
            email = rng.chance(0.04) ? rng.pick(TILL_JUNK_EMAILS) : renderEmail(rng, address, 0.9);
          }
          if (person.signupAt !== null && order.at >= person.signupAt && rng.chance(0.06)) userId = person.userId; // scanned the app's member code
        }
        out.push([order.id, userId, email, phone, order.amount, order.currency, order.channel, order.storeId, toTimestamp(order.at)]);
      }
    };
  },
};
