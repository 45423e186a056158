import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Shapes of Mailchimp answers we read (from the vendor's OpenAPI, mailchimp.com/developer/marketing/api). */

/** `POST /3.0/lists/{list_id}` — 200 even when some members failed. */
export const batchMembersResponse = z.object({
  new_members: z.array(z.object({ email_address: z.string().nullish() }).passthrough()).default([]),
  updated_members: z.array(z.object({ email_address: z.string().nullish() }).passthrough()).default([]),
  errors: z
    .array(
      z
        .object({
          email_address: z.string().nullish(),
          error: z.string().nullish(),
          error_code: z.string().nullish(),
          field: z.string().nullish(),
          field_message: z.string().nullish(),
        })
        .passthrough(),
    )
    .default([]),
  error_count: z.number().int().nullish(),
  total_created: z.number().int().nullish(),
  total_updated: z.number().int().nullish(),
});
export type BatchMembersResponse = z.output<typeof batchMembersResponse>;

/** RFC 9457 problem document, every error answer. */
export const problem = z
  .object({ type: z.string().optional(), title: z.string().optional(), status: z.number().optional(), detail: z.string().optional() })
  .passthrough();

/** `subscriber_hash`: MD5 hex of the lower-case email address. */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.toLowerCase()).digest('hex');
}

/** Member fields that are not merge fields (everything else a sync maps becomes a merge tag). */
export const MEMBER_FIELDS = ['email_address', 'email_type', 'language', 'vip', 'ip_signup', 'timestamp_signup', 'ip_opt', 'timestamp_opt'] as const;

/** Merge tags: upper-case letters, digits and underscores, at most 10 characters (e.g. FNAME). */
export const MERGE_TAG = /^[A-Z0-9_]{1,10}$/;

/** API keys end with their data centre (`…-us6`): the API lives at https://us6.api.mailchimp.com/3.0. */
export function baseUrlFromKey(apiKey: string): string | undefined {
  const dc = /-([a-z]+\d+)$/.exec(apiKey.trim())?.[1];
  return dc ? `https://${dc}.api.mailchimp.com/3.0` : undefined;
}
