/**
 * The fixed frame every demo table is drawn in: the seed, how many people, the reference date the
 * ~18-month history ends at, and the marketing calendar. Derived once; read by every table.
 */
import { hash32, IndexScrambler, labelCode } from './random.js';
import { CAMPAIGN_THEMES } from './vocab/catalog.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

/** How far back the history goes (about 18 months). */
export const HISTORY_DAYS = 540;

/** People are generated (and households formed) in fixed blocks, independent of batch sizes. */
export const PEOPLE_PER_CHUNK = 512;

export interface Campaign {
  id: string;
  sentAt: number;
}

export interface DemoWorld {
  readonly seed: number;
  readonly people: number;
  /** End of the history (ms since epoch, UTC midnight): every timestamp is before it. */
  readonly end: number;
  /** Start of the history. */
  readonly start: number;
  /** Spreads person indexes over [0, people) for address numbers. */
  readonly addressIndex: IndexScrambler;
  /** Keys of the id bijections, so another seed gives other ids. */
  readonly keys: Readonly<Record<'user' | 'contact' | 'anonymous' | 'device' | 'phone' | 'order' | 'row', number>>;
  /** Email campaigns, oldest first. */
  readonly campaigns: readonly Campaign[];
}

/** Midnight UTC of the given date (default: today), so a run is reproducible within a day. */
export function referenceDay(date: Date = new Date()): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function createWorld(options: { seed: number; people: number; referenceDate: Date }): DemoWorld {
  const end = referenceDay(options.referenceDate).getTime();
  const start = end - HISTORY_DAYS * DAY_MS;
  const key = (label: string) => hash32(options.seed, labelCode(label));
  return {
    seed: options.seed,
    people: options.people,
    end,
    start,
    addressIndex: new IndexScrambler(options.people, options.seed),
    keys: {
      user: key('user'),
      contact: key('contact'),
      anonymous: key('anonymous'),
      device: key('device'),
      phone: key('phone') & 0x3ffffff,
      order: key('order'),
      row: key('row'),
    },
    campaigns: campaignCalendar(start, end),
  };
}

/** A weekly newsletter-style send every Tuesday and a mid-week promotion every other Thursday. */
function campaignCalendar(start: number, end: number): Campaign[] {
  const campaigns: Campaign[] = [];
  // First Tuesday on or after the start (1970-01-01 was a Thursday: day 5 of a Sunday-based week).
  const firstDay = Math.ceil(start / DAY_MS);
  const tuesday = firstDay + ((2 - ((firstDay + 4) % 7) + 7) % 7);
  let week = 0;
  for (let day = tuesday; day * DAY_MS < end; day += 7, week++) {
    const themes = [CAMPAIGN_THEMES[week % CAMPAIGN_THEMES.length]!];
    if (week % 2 === 1) themes.push('midweek_promo');
    themes.forEach((theme, i) => {
      const sentAt = (day + i * 2) * DAY_MS + 15 * HOUR_MS;
      if (sentAt >= end) return;
      const date = new Date(sentAt).toISOString().slice(0, 10).replace(/-/g, '');
      campaigns.push({ id: `cmp_${date}_${theme}`, sentAt });
    });
  }
  return campaigns;
}

/** A whole-second timestamp (sources rarely keep milliseconds). */
export function toTimestamp(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}
