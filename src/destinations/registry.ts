import { CdpError } from '../errors.js';
import type { AnyDestination } from './types.js';
import { braze } from './braze/index.js';
import { file } from './file/index.js';
import { googleCustomerMatch } from './google_customer_match/index.js';
import { hubspot } from './hubspot/index.js';
import { klaviyo } from './klaviyo/index.js';
import { linkedinAudiences } from './linkedin_audiences/index.js';
import { mailchimp } from './mailchimp/index.js';
import { metaCustomAudiences } from './meta_custom_audiences/index.js';
import { sendgrid } from './sendgrid/index.js';
import { tiktokAudiences } from './tiktok_audiences/index.js';
import { webhook } from './webhook/index.js';

/**
 * The one destination registry. Adding a built-in destination: a folder with its verbs over
 * template.ts (declaring displayName, docs, secretFields, targetFields and fields), one entry in
 * BUILT_IN below, its page in docs/destinations/ and a fake vendor in tests/fixtures/vendors/ —
 * the destination contract suite (tests/integration/destinations/contract.test.ts) says what is
 * missing. Plug-ins and tests call `registerDestination`.
 */
const BUILT_IN: AnyDestination[] = [
  webhook,
  file,
  mailchimp,
  metaCustomAudiences,
  hubspot,
  klaviyo,
  sendgrid,
  braze,
  googleCustomerMatch,
  tiktokAudiences,
  linkedinAudiences,
];

const destinations = new Map<string, AnyDestination>();

/** Makes a destination type available to syncs. */
export function registerDestination(destination: AnyDestination): void {
  if (destinations.has(destination.type)) throw new Error(`destination type ${destination.type} is registered twice`);
  destinations.set(destination.type, destination);
}

export function listDestinations(): AnyDestination[] {
  return [...destinations.values()].sort((a, b) => a.type.localeCompare(b.type));
}

export function findDestination(type: string): AnyDestination | undefined {
  return destinations.get(type);
}

/** The destination of a type, or a SYNC_INVALID error listing the types that exist. */
export function getDestination(type: string, location: { file?: string; line?: number; path?: string } = {}): AnyDestination {
  const destination = destinations.get(type);
  if (!destination) {
    throw new CdpError('SYNC_INVALID', `unknown destination type "${type}"`, {
      location: { path: 'destination.type', ...location },
      hint: `use one of: ${[...destinations.keys()].sort().join(', ')}`,
    });
  }
  return destination;
}

/** The type's documentation page (declared on the type; docs/destinations/<type>.md otherwise). */
export function docsOf(destination: Pick<AnyDestination, 'type' | 'docs'>): string {
  return destination.docs ?? `docs/destinations/${destination.type}.md`;
}

/**
 * Whether a config field path holds a credential of this type: a declared secret field, or a
 * key under a declared `prefix.*`.
 */
export function isSecretField(destination: Pick<AnyDestination, 'secretFields'>, path: string): boolean {
  return (destination.secretFields ?? []).some((field) => (field.endsWith('.*') ? path.startsWith(field.slice(0, -1)) && path.length > field.length - 1 : path === field));
}

for (const destination of BUILT_IN) registerDestination(destination);
