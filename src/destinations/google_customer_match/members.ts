import { googleHashed, normalizeForGoogle } from '../identifiers/index.js';
import { MAX_IDENTIFIERS_PER_MEMBER, type AudienceMemberJson, type ConsentJson, type ConsentStatusJson, type UserIdentifierJson } from './api.js';
import type { GoogleConfig } from './config.js';

/**
 * Sync fields (destination side) and how they become a Data Manager `AudienceMember`. Names are
 * the proto field names of `UserIdentifier` / `AddressInfo`, plus the two `Consent` fields.
 */
export const IDENTIFIER_FIELDS = ['email_address', 'phone_number', 'given_name', 'family_name', 'region_code', 'postal_code'] as const;
export const CONSENT_FIELDS = ['consent_ad_user_data', 'consent_ad_personalization'] as const;
export const GOOGLE_FIELDS: readonly string[] = [...IDENTIFIER_FIELDS, ...CONSENT_FIELDS];
export const ADDRESS_FIELDS = ['given_name', 'family_name', 'region_code', 'postal_code'] as const;

export const NO_IDENTIFIER = 'no usable email_address, phone_number or complete address (given_name, family_name, region_code, postal_code) after normalisation';

/** A column may hold one value or a list (several emails of one person). */
function valuesOf(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : [value];
}

function firstOf(value: unknown): unknown {
  return valuesOf(value)[0];
}

/** true/false, granted/denied, yes/no, 1/0, or Google's own CONSENT_GRANTED / CONSENT_DENIED. */
export function consentStatus(value: unknown): ConsentStatusJson | undefined {
  if (value === null || value === undefined) return undefined;
  const s = String(value).trim().toLowerCase();
  if (['true', 'granted', 'consent_granted', 'yes', 'y', '1', 't'].includes(s)) return 'CONSENT_GRANTED';
  if (['false', 'denied', 'consent_denied', 'revoked', 'no', 'n', '0', 'f'].includes(s)) return 'CONSENT_DENIED';
  return undefined;
}

export function configConsent(config: GoogleConfig): ConsentJson | undefined {
  const c = config.consent;
  if (!c || (!c.ad_user_data && !c.ad_personalization)) return undefined;
  const out: ConsentJson = {};
  if (c.ad_user_data) out.adUserData = c.ad_user_data === 'granted' ? 'CONSENT_GRANTED' : 'CONSENT_DENIED';
  if (c.ad_personalization) out.adPersonalization = c.ad_personalization === 'granted' ? 'CONSENT_GRANTED' : 'CONSENT_DENIED';
  return out;
}

/** The hashed identifiers of one row: emails, then phones, then the address; at most 10, no repeats. */
export function userIdentifiers(fields: Record<string, unknown>, defaultRegion?: string): UserIdentifierJson[] {
  const ids: UserIdentifierJson[] = [];
  const seen = new Set<string>();
  const push = (id: UserIdentifierJson) => {
    const key = JSON.stringify(id);
    if (seen.has(key)) return;
    seen.add(key);
    ids.push(id);
  };
  for (const value of valuesOf(fields.email_address)) {
    const hash = googleHashed('email', value);
    if (hash) push({ emailAddress: hash });
  }
  for (const value of valuesOf(fields.phone_number)) {
    const hash = googleHashed('phone', value, defaultRegion);
    if (hash) push({ phoneNumber: hash });
  }
  // AddressInfo needs all four parts (each is REQUIRED in user_data.proto).
  const regionCode = normalizeForGoogle('region_code', firstOf(fields.region_code));
  const givenName = googleHashed('name', firstOf(fields.given_name));
  const familyName = googleHashed('name', firstOf(fields.family_name));
  const postalCode = normalizeForGoogle('postal_code', firstOf(fields.postal_code), { country: regionCode });
  if (givenName && familyName && regionCode && postalCode) push({ address: { givenName, familyName, regionCode, postalCode } });
  return ids.slice(0, MAX_IDENTIFIERS_PER_MEMBER);
}

/** The member for a row, or null when nothing identifies the person. Consent only goes with ingestion. */
export function audienceMember(fields: Record<string, unknown>, config: GoogleConfig, withConsent: boolean): AudienceMemberJson | null {
  const identifiers = userIdentifiers(fields, config.default_phone_region);
  if (identifiers.length === 0) return null;
  const member: AudienceMemberJson = { userData: { userIdentifiers: identifiers } };
  if (withConsent) {
    const adUserData = consentStatus(fields.consent_ad_user_data);
    const adPersonalization = consentStatus(fields.consent_ad_personalization);
    if (adUserData || adPersonalization) {
      // Member consent replaces the request's: fill the half the row does not say from the config.
      const fallback = configConsent(config) ?? {};
      member.consent = {};
      const userData = adUserData ?? fallback.adUserData;
      const personalization = adPersonalization ?? fallback.adPersonalization;
      if (userData) member.consent.adUserData = userData;
      if (personalization) member.consent.adPersonalization = personalization;
    }
  }
  return member;
}
