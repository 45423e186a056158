import { z } from 'zod';
import { baseUrlSchema, secretSchema } from '../config.js';

/** `ProductAccount.AccountType` values that can own a Customer Match user list (destination.proto). */
export const ACCOUNT_TYPES = ['GOOGLE_ADS', 'DISPLAY_VIDEO_PARTNER', 'DISPLAY_VIDEO_ADVERTISER', 'DATA_PARTNER'] as const;

/** Ids are digits; Google Ads shows customer ids as 123-456-7890, the API wants 1234567890. */
const numericId = (what: string) =>
  z
    .union([z.string(), z.number().int().nonnegative()])
    .transform((v) => String(v).replace(/-/g, '').trim())
    .pipe(z.string().regex(/^\d+$/, `${what}: digits only (dashes are removed)`));

const productAccount = z
  .object({
    account_id: numericId('account_id'),
    account_type: z.enum(ACCOUNT_TYPES).default('GOOGLE_ADS'),
  })
  .strict();

const consentStatus = z.enum(['granted', 'denied']);

export const googleConfigSchema = z
  .object({
    /** The account that owns the user list (`Destination.operating_account`). */
    operating_account: productAccount,
    /** The account the credentials belong to, e.g. a manager account (`login_account`). */
    login_account: productAccount.optional(),
    /** For data partners: an account reached through a product link (`linked_account`). */
    linked_account: productAccount.optional(),
    /** The Customer Match user list id (`Destination.product_destination_id`). */
    audience_id: numericId('audience_id'),
    /** OAuth 2.0 access token with scope https://www.googleapis.com/auth/datamanager; sent as `Authorization: Bearer`. */
    access_token: secretSchema,
    /** Google Cloud project billed for quota (`x-goog-user-project`), when the credentials need one. */
    quota_project: z.string().min(1).optional(),
    base_url: baseUrlSchema.default('https://datamanager.googleapis.com'),
    /**
     * You accept Google's Customer Match terms (https://support.google.com/adspolicy/answer/6299717);
     * sent as `termsOfService.customerMatchTermsOfServiceStatus: ACCEPTED` with every upload.
     */
    customer_match_terms_accepted: z.literal(true, {
      error: 'set customer_match_terms_accepted: true to confirm you accept the Customer Match terms (Google refuses uploads without it)',
    }),
    /** Request-level EU consent (DMA) for every member; per-row consent fields override it. */
    consent: z.object({ ad_user_data: consentStatus.optional(), ad_personalization: consentStatus.optional() }).strict().optional(),
    /** Region for phone numbers written without a country code (e.g. US). */
    default_phone_region: z.string().length(2).optional(),
    /**
     * How long a batch waits for `requestStatus:retrieve` to leave PROCESSING (0: do not ask).
     * A request still processing after that is counted as delivered; its id is logged.
     */
    status_wait_seconds: z.number().min(0).max(900).default(60),
  })
  .strict();

export type GoogleConfig = z.output<typeof googleConfigSchema>;
