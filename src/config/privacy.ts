import { z } from 'zod';
import { nameSchema } from './identity.js';

/** Values of a consent source's status that mean "granted" / "revoked" (compared trimmed and lower-cased). */
export const DEFAULT_GRANTED_VALUES = ['granted', 'true', 'yes', 'y', '1', 'opt_in', 'opted_in', 'subscribed', 'allow', 'allowed'];
export const DEFAULT_REVOKED_VALUES = ['revoked', 'denied', 'false', 'no', 'n', '0', 'opt_out', 'opted_out', 'unsubscribed', 'withdrawn', 'deny', 'declined'];

/**
 * A table of consent decisions in the warehouse: one row per decision (granted or revoked, for one
 * purpose, at one time, by one or more identifiers of the person).
 */
export const consentSourceSchema = z
  .object({
    name: nameSchema,
    /** A model name or `schema.table` in the warehouse. */
    relation: z.string().min(1),
    /** id type (of identity.idTypes) -> column holding it. Resolved to profiles through the identity graph. */
    ids: z.record(nameSchema, z.string().min(1)).refine((ids) => Object.keys(ids).length > 0, 'declare at least one identifier column'),
    /** SQL expression giving the purpose, e.g. `purpose` (a column) or `'email_marketing'` (one purpose per table). */
    purpose: z.string().min(1),
    /** SQL expression giving the decision; its values are matched against `granted` / `revoked`. */
    status: z.string().min(1),
    granted: z.array(z.string().min(1)).default(DEFAULT_GRANTED_VALUES),
    revoked: z.array(z.string().min(1)).default(DEFAULT_REVOKED_VALUES),
    /** Column with the time of the decision: the latest decision wins. */
    timestamp: z.string().min(1),
  })
  .strict();

/**
 * What a purpose lets through when a person never decided: `require_granted` (opt-in, GDPR's
 * default for marketing) or `allow_unknown` (opt-out regimes, e.g. CCPA, where the law allows it).
 * A denial always holds a person back.
 */
export const consentPolicySchema = z.enum(['require_granted', 'allow_unknown']);

export const DEFAULT_PURPOSES = {
  email_marketing: { policy: 'require_granted' },
  advertising: { policy: 'require_granted' },
  analytics: { policy: 'allow_unknown' },
  personalization: { policy: 'allow_unknown' },
} as const;

export const consentSchema = z
  .object({
    sources: z.array(consentSourceSchema).default([]),
    /** purpose -> policy. Every profile gets a `consent_<purpose>` trait (granted / denied / unknown) per purpose here. */
    purposes: z.record(nameSchema, z.object({ policy: consentPolicySchema }).strict()).default(DEFAULT_PURPOSES),
  })
  .strict();

export const privacySchema = z
  .object({
    consent: consentSchema.default({ sources: [], purposes: DEFAULT_PURPOSES }),
    /**
     * Names tagged as personal data: profile traits / model columns and identifier types (e.g.
     * `email`, `phone`, `first_name`). Masked in the API and UI for roles without `pii:read`,
     * redacted from logs, hashed before any ad platform.
     */
    pii: z.array(z.string().min(1)).default([]),
    /** Per-row sync logs and run details older than this many days are deleted. */
    retentionDays: z.number().int().positive().default(30),
    /** The payload sent per row is kept in the row log for this many of a sync's last runs (default 10; 0 keeps none). */
    syncPayloadRuns: z.number().int().min(0).max(1000).optional(),
  })
  .strict();

export type ConsentSourceConfig = z.output<typeof consentSourceSchema>;
export type ConsentPolicy = z.output<typeof consentPolicySchema>;
export type ConsentConfig = z.output<typeof consentSchema>;
export type PrivacyConfig = z.output<typeof privacySchema>;
