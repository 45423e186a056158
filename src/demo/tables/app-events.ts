/**
 * raw.app_events: mobile app analytics keyed by device. Logged-in sessions carry the user_id;
 * a household's shared tablet shows two members' different user_ids on one device_id.
 */
import { devicesOf } from '../people.js';
import { labelCode, streamFor } from '../random.js';
import { HOUR_MS, toTimestamp } from '../world.js';
import { RowIds, type DemoTable } from './types.js';

const STREAM = labelCode('app_events');

const IN_APP_EVENTS = ['screen_view', 'product_view', 'add_to_cart', 'search'] as const;
const IN_APP_WEIGHTS = [50, 30, 12, 8];

export const appEvents: DemoTable = {
  name: 'app_events',
  columns: [
    { name: 'event_id', kind: 'string' },
    { name: 'device_id', kind: 'string' },
    { name: 'user_id', kind: 'string' },
    { name: 'event', kind: 'string' },
    { name: 'platform', kind: 'string' },
    { name: 'ts', kind: 'timestamp' },
  ],
  writer(world) {
    const ids = new RowIds(world, 'app_events', 'aev_');
    return (person, out) => {
      if (person.appDevices === 0) return;
      const devices = devicesOf(world, person);
      const rng = streamFor(world.seed, person.index, STREAM);
      const sessions = 1 + rng.poisson(person.activity * 1.0);
      const from = person.signupAt ?? person.firstSeenAt;
      const span = world.end - from - 2 * HOUR_MS;
      for (let s = 0; s < sessions; s++) {
        const device = rng.chance(0.8) ? devices[0]! : rng.pick(devices);
        let t = from + rng.next() * span;
        const registered = person.userId !== null && t >= person.signupAt!;
        // Most app users stay logged in; the rest browse as guests, some log in during the session.
        let userId = registered && rng.chance(0.8) ? person.userId : null;
        const logsIn = registered && userId === null && rng.chance(0.4);
        const emit = (event: string) => {
          out.push([ids.next(), device.id, userId, event, device.platform, toTimestamp(Math.min(t, world.end - 1000))]);
          t += 2000 + rng.exponential(25_000);
        };
        emit(rng.chance(0.1) ? 'push_opened' : 'app_open');
        const more = Math.min(30, rng.geometric(0.4));
        for (let i = 0; i < more; i++) {
          if (logsIn && i === 0) {
            userId = person.userId;
            emit('login');
          }
          emit(rng.weighted(IN_APP_EVENTS, IN_APP_WEIGHTS));
        }
        if (rng.chance(0.3)) emit('app_background');
      }
    };
  },
};
