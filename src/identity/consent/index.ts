/**
 * Consent: decisions from the consent sources in the warehouse, resolved to profiles through the
 * identity graph (table `consent`, columns `profiles.consent_<purpose>`), rebuilt by every
 * identity build. Enforcement at sync time lives in src/privacy/enforce.ts.
 */
export { CONSENT_TABLE, DENIED, GRANTED, UNKNOWN, consentColumn, planConsent, type ConsentPlan, type ConsentSourcePlan } from './plan.js';
export { consentIdNormalizeQuery, consentSelect, profileConsentColumns, resolvedDecisionsSelect } from './sql.js';
export { validateConsent } from './validate.js';
export { consentTable, writeConsent } from './write.js';
