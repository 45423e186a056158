/**
 * raw.email_engagement: the email service's event log for subscribers: campaigns sent, opened,
 * clicked, and the unsubscribe that ends a subscription (matched by a consent revocation).
 */
import { renderEmail } from '../contact.js';
import { subscription } from '../plans.js';
import { labelCode, streamFor } from '../random.js';
import { HOUR_MS, MINUTE_MS, toTimestamp } from '../world.js';
import { RowIds, type DemoTable } from './types.js';

const STREAM = labelCode('email_rows');

/** Share of eligible campaigns a subscriber is sent (segmentation, frequency caps). */
const SEND_RATE = 0.15;

export const emailEngagement: DemoTable = {
  name: 'email_engagement',
  columns: [
    { name: 'event_id', kind: 'string' },
    { name: 'email', kind: 'string' },
    { name: 'campaign_id', kind: 'string' },
    { name: 'event_type', kind: 'string' },
    { name: 'ts', kind: 'timestamp' },
  ],
  writer(world) {
    const ids = new RowIds(world, 'email_engagement', 'eml_');
    return (person, out) => {
      const sub = subscription(world, person);
      if (!sub) return;
      const rng = streamFor(world.seed, person.index, STREAM);
      // ESPs store the address as imported: mostly clean.
      const email = renderEmail(rng, sub.email, 0.1);
      const until = sub.unsubscribedAt ?? world.end;
      let lastCampaign: string | null = null;
      for (const campaign of world.campaigns) {
        if (campaign.sentAt < sub.at || campaign.sentAt >= until) continue;
        if (!rng.chance(SEND_RATE)) continue;
        const sentAt = campaign.sentAt + rng.int(0, 3600) * 1000;
        lastCampaign = campaign.id;
        out.push([ids.next(), email, campaign.id, 'sent', toTimestamp(sentAt)]);
        if (!rng.chance(sub.openRate)) continue;
        const openedAt = sentAt + MINUTE_MS + rng.exponential(6 * HOUR_MS);
        if (openedAt >= world.end) continue;
        out.push([ids.next(), email, campaign.id, 'open', toTimestamp(openedAt)]);
        if (!rng.chance(sub.clickRate)) continue;
        const clickedAt = openedAt + 5000 + rng.exponential(2 * MINUTE_MS);
        if (clickedAt < world.end) out.push([ids.next(), email, campaign.id, 'click', toTimestamp(clickedAt)]);
      }
      if (sub.unsubscribedAt !== null && lastCampaign !== null) {
        out.push([ids.next(), email, lastCampaign, 'unsubscribe', toTimestamp(sub.unsubscribedAt)]);
      }
    };
  },
};
