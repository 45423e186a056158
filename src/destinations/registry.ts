import { CdpError } from '../errors.js';
import type { AnyDestination } from './types.js';
import { braze } from './braze/index.js';
import { hubspot } from './hubspot/index.js';
import { klaviyo } from './klaviyo/index.js';
import { sendgrid } from './sendgrid/index.js';
import { googleCustomerMatch } from './google_customer_match/index.js';
import { tiktokAudiences } from './tiktok_audiences/index.js';
import { linkedinAudiences } from './linkedin_audiences/index.js';

const destinations = new Map<string, AnyDestination>();

/** Makes a destination type available to syncs (built-ins register themselves in index.ts). */
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

registerDestination(hubspot);
registerDestination(klaviyo);
registerDestination(sendgrid);
registerDestination(braze);
registerDestination(googleCustomerMatch);
registerDestination(tiktokAudiences);
registerDestination(linkedinAudiences);
