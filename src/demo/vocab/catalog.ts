/** What the demo retailer sells and says: products, pages, email providers, ticket subjects. */
import type { Country } from './places.js';

/**
 * Personal mailbox providers by slot. A domain sits at the same slot in every country (or only in
 * one country), so the domain alone tells the slot back: contact.ts relies on that to make every
 * person's address unique.
 */
export const PERSONAL_DOMAINS: Record<Country, readonly string[]> = {
  US: ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'aol.com', 'comcast.net', 'proton.me'],
  CA: ['gmail.com', 'yahoo.ca', 'hotmail.ca', 'outlook.com', 'icloud.com', 'sympatico.ca', 'shaw.ca', 'proton.me'],
  GB: ['gmail.com', 'yahoo.co.uk', 'hotmail.co.uk', 'outlook.com', 'icloud.com', 'btinternet.com', 'sky.com', 'proton.me'],
  DE: ['gmail.com', 'yahoo.de', 'web.de', 'outlook.com', 'icloud.com', 'gmx.de', 't-online.de', 'proton.me'],
  FR: ['gmail.com', 'yahoo.fr', 'hotmail.fr', 'outlook.com', 'icloud.com', 'orange.fr', 'free.fr', 'proton.me'],
};
export const PERSONAL_DOMAIN_SLOTS = 8;

const COMPANY_WORDS_A = [
  'north', 'blue', 'bright', 'silver', 'iron', 'red', 'green', 'summit', 'harbor', 'pioneer',
  'clear', 'stone', 'river', 'cedar', 'maple', 'golden', 'true', 'swift', 'prime', 'open',
];
const COMPANY_WORDS_B = [
  'wind', 'field', 'point', 'works', 'labs', 'bridge', 'line', 'path', 'gate', 'wave',
  'peak', 'forge', 'craft', 'stack', 'logic', 'scale', 'hub', 'mark', 'view', 'dale',
];
const COMPANY_TLDS = ['com', 'io', 'co'];

/** 1,200 employer domains ('bluebridge.io'), enumerated so each index is one distinct domain. */
export const COMPANY_DOMAIN_COUNT = COMPANY_WORDS_A.length * COMPANY_WORDS_B.length * COMPANY_TLDS.length;

export function companyDomain(index: number): string {
  const a = index % COMPANY_WORDS_A.length;
  const rest = Math.floor(index / COMPANY_WORDS_A.length);
  const b = rest % COMPANY_WORDS_B.length;
  const tld = Math.floor(rest / COMPANY_WORDS_B.length) % COMPANY_TLDS.length;
  return `${COMPANY_WORDS_A[a]}${COMPANY_WORDS_B[b]}.${COMPANY_TLDS[tld]}`;
}

export const SHOP_URL = 'https://shop.acme-outfitters.example';

export const PRODUCT_SLUGS: readonly string[] = [
  'trail-runner-3', 'merino-crew-sock', 'packable-rain-jacket', 'canvas-weekender-bag', 'insulated-bottle-750',
  'organic-cotton-tee', 'fleece-quarter-zip', 'hiking-boot-mid', 'wool-beanie', 'down-vest',
  'yoga-legging', 'stretch-chino', 'linen-shirt', 'everyday-backpack-24l', 'sun-hoodie',
  'camp-mug-enamel', 'headlamp-400', 'trekking-poles', 'rain-shell-pants', 'puffer-parka',
  'running-short-5in', 'cashmere-scarf', 'leather-belt', 'travel-pillow', 'duffel-60l',
  'kids-rain-boot', 'dog-harness', 'picnic-blanket', 'thermal-base-layer', 'slip-on-sneaker',
];

export const CATEGORY_SLUGS: readonly string[] = ['women', 'men', 'kids', 'footwear', 'outerwear', 'accessories', 'camp', 'sale', 'new-arrivals'];

export const CONTENT_PATHS: readonly string[] = ['/', '/stores', '/about', '/journal/packing-list', '/journal/trail-guide', '/help/returns', '/help/shipping', '/gift-cards'];

export const SEARCH_TERMS: readonly string[] = ['rain jacket', 'boots', 'socks', 'gift', 'backpack', 'fleece', 'kids', 'sale', 'vest', 'bottle'];

export const TICKET_SUBJECTS: readonly string[] = [
  'Where is my order?', 'Return request', 'Wrong size delivered', 'Refund not received', 'Damaged item',
  'Change shipping address', 'Cancel my order', 'Promo code not working', 'Account locked', 'Update my email address',
  'Question about sizing', 'Item out of stock', 'Missing item in package', 'Charged twice', 'Unsubscribe from emails',
  'Store pickup not ready', 'Gift card balance', 'Warranty claim', 'Loyalty points missing', 'Delete my data',
];

export const CAMPAIGN_THEMES: readonly string[] = [
  'weekly_newsletter', 'new_arrivals', 'flash_sale', 'trail_journal', 'member_offer', 'back_in_stock',
  'weekly_newsletter', 'seasonal_edit', 'gift_guide', 'weekly_newsletter', 'clearance', 'community_stories',
];
