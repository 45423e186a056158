import { z } from 'zod';
import { baseUrlSchema, rateLimitSchema, secretSchema } from '../config.js';
import { DestinationError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { ok, rejected } from '../results.js';
import { defineDestination } from '../template.js';
import type { CheckContext, Row, RowResult, SendContext } from '../types.js';
import { TRACK_MAX } from './api.js';
import { BRAZE_IDENTIFIERS, buildAttributes, identifierValue } from './attributes.js';
import { checkKey, deleteUsers, setSubscription, trackAttributes } from './users.js';
import { forgetUsers } from './forget.js';

export { buildAttributes as brazeAttributes } from './attributes.js';
export { brazeRetryVerdict } from './api.js';

export const brazeConfigSchema = z
  .object({
    /** A REST API key with users.track (and subscription.status.set / users.delete as used); sent as `Authorization: Bearer`. */
    api_key: secretSchema,
    /** Your instance's REST endpoint, e.g. https://rest.iad-01.braze.com or https://rest.fra-01.braze.eu. */
    base_url: baseUrlSchema,
    /** How users are identified: external_id (default), email or phone (E.164). */
    identifier: z.enum(BRAZE_IDENTIFIERS).default('external_id'),
    /** A subscription group the synced users are subscribed to (mirror: unsubscribed when they leave). */
    subscription_group_id: z.string().min(1).optional(),
    /** A boolean custom attribute set true for synced users (mirror: false when they leave); segment on it in Braze. */
    audience_attribute: z
      .string()
      .min(1)
      .regex(/^[^$]/, 'custom attribute names cannot start with $')
      .optional(),
    /** What mirror mode does with people who leave; defaults to unsubscribe (with a group) or attribute (with audience_attribute). */
    remove_action: z.enum(['unsubscribe', 'attribute', 'delete']).optional(),
    /** Attributes objects per /users/track call: 75, or 50 on "Monthly Active Users" plans. */
    batch_size: z.number().int().min(1).max(TRACK_MAX).default(TRACK_MAX),
    /** Region for phone numbers written without a country code. */
    default_phone_region: z.string().length(2).optional(),
    /** /users/track allows 3,000 requests per 3 s per workspace; MAU plans have their own hourly limits. */
    rate_limit: rateLimitSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.remove_action === 'unsubscribe' && !config.subscription_group_id) {
      ctx.addIssue({ code: 'custom', path: ['subscription_group_id'], message: 'remove_action unsubscribe needs subscription_group_id' });
    }
    if (config.remove_action === 'attribute' && !config.audience_attribute) {
      ctx.addIssue({ code: 'custom', path: ['audience_attribute'], message: 'remove_action attribute needs audience_attribute' });
    }
  });

export type BrazeConfig = z.output<typeof brazeConfigSchema>;

const DEFAULT_RATE = { requests: 3000, perSeconds: 3 };

function removeAction(config: BrazeConfig): 'unsubscribe' | 'attribute' | 'delete' | undefined {
  return config.remove_action ?? (config.subscription_group_id ? 'unsubscribe' : config.audience_attribute ? 'attribute' : undefined);
}

function client(scope: Pick<CheckContext, 'http' | 'secret'> & { config: BrazeConfig }): HttpClient {
  return scope.http.with({ baseUrl: scope.config.base_url, headers: { authorization: `Bearer ${scope.secret(scope.config.api_key)}` } });
}

/** What every upsert adds to a user: the subscription and the audience flag, and update-only in update mode. */
function upsertExtras(ctx: SendContext<BrazeConfig>): Record<string, unknown> {
  const { config } = ctx;
  const extra: Record<string, unknown> = {};
  if (config.subscription_group_id) extra.subscription_groups = [{ subscription_group_id: config.subscription_group_id, subscription_state: 'subscribed' }];
  if (config.audience_attribute) extra[config.audience_attribute] = true;
  if (ctx.mode === 'update') extra._update_existing_only = true;
  return extra;
}

async function upsert(rows: Row[], ctx: SendContext<BrazeConfig>): Promise<RowResult[]> {
  const { config } = ctx;
  const built = buildAttributes(rows, { identifier: config.identifier, defaultRegion: config.default_phone_region }, upsertExtras(ctx));
  const objects = built.flatMap((b) => ('error' in b ? [] : [b.object]));
  const tracked = await trackAttributes(client(ctx), objects, config.batch_size);
  let next = 0;
  return built.map((b) => ('error' in b ? rejected(b.error) : tracked[next++]!));
}

/** Mirror-mode removal by the identifier last sent: unsubscribe, clear the audience flag, or delete. */
async function remove(rows: Row[], ctx: SendContext<BrazeConfig>): Promise<RowResult[]> {
  const { config } = ctx;
  const action = removeAction(config);
  if (!action) throw missingRemoveAction();
  const http = client(ctx);
  const options = { identifier: config.identifier, defaultRegion: config.default_phone_region };
  const ids = rows.map((row) => identifierValue(row.fields, options));
  const present = ids.filter((id): id is string => id !== null);
  if (action === 'attribute') {
    // Only users Braze already has: leaving must not create anyone.
    const objects = present.map((id) => ({ [config.identifier]: id, [config.audience_attribute!]: false, _update_existing_only: true }));
    const tracked = await trackAttributes(http, objects, config.batch_size);
    let next = 0;
    return ids.map((id) => (id === null ? ok() : tracked[next++]!));
  }
  const unique = [...new Set(present)];
  const result =
    action === 'unsubscribe'
      ? await setSubscription(http, config.subscription_group_id!, 'unsubscribed', config.identifier, unique)
      : await deleteUsers(http, config.identifier, unique);
  return ids.map((id) => (id === null ? ok() : result));
}

function missingRemoveAction(): DestinationError {
  return new DestinationError('Braze mirror mode needs to know what removing someone means', {
    path: 'destination.config.subscription_group_id',
    hint: 'set subscription_group_id (leavers are unsubscribed), audience_attribute (set to false) or remove_action: delete',
  });
}

export const braze = defineDestination<BrazeConfig>({
  type: 'braze',
  label: 'Braze users (/users/track attributes, subscription groups)',
  displayName: 'Braze',
  docs: 'docs/destinations/braze.md',
  secretFields: ['api_key'],
  targetFields: ['base_url'],
  fields: {
    known: [
      { name: 'external_id', type: 'string', identifier: true, description: 'the identifier by default (config identifier)' },
      { name: 'email', type: 'email', identifier: true },
      { name: 'phone', type: 'phone', identifier: true },
      { name: 'first_name', type: 'string' },
      { name: 'last_name', type: 'string' },
      { name: 'country', type: 'string' },
      // Braze standard attributes: dob is a String "in YYYY-MM-DD format (e.g. 1988-02-14)"
      // (braze.com/docs/user_guide/data/activation/attributes/standard_attributes); custom
      // attribute times go as ISO 8601, which timestamps are by default.
      { name: 'dob', type: 'date', format: 'date' },
    ],
    open: true,
    rule: 'map the configured identifier (external_id, email or phone); any other name is a custom attribute',
  },
  config: brazeConfigSchema,
  consentPurposes: ['email_marketing'],
  modes: ['upsert', 'update', 'mirror', 'add'],
  batchSize: TRACK_MAX,
  batchSizeFor: (config) => config.batch_size,
  rateLimit: DEFAULT_RATE,
  accountKey: (config) => `braze:${config.base_url}:${JSON.stringify(config.api_key)}`,
  // A user is their identifier: a new email (identifier email) is another user, and the old one leaves.
  identityFields: (config) => [config.identifier],
  validateFields(fields, config) {
    const problems: Array<{ field: string; message: string }> = [];
    if (!(config.identifier in fields)) problems.push({ field: config.identifier, message: `map ${config.identifier}: Braze identifies users by it (config identifier)` });
    if (config.identifier === 'phone' && 'email' in fields) {
      problems.push({ field: 'email', message: 'with identifier phone, email cannot be sent: Braze identifies a user by email whenever both are present' });
    }
    for (const field of Object.keys(fields)) {
      if (field.startsWith('$') || field === '_update_existing_only') problems.push({ field, message: `"${field}" is not an attribute name Braze accepts` });
    }
    return problems;
  },
  async begin(scope) {
    if (scope.mode === 'mirror' && !removeAction(scope.config)) throw missingRemoveAction();
  },
  async check(config, ctx) {
    const problem = await checkKey(client({ config, http: ctx.http, secret: ctx.secret }));
    if (problem) throw new DestinationError(`Braze answered ${problem}`, { hint: 'check base_url' });
  },
  upsert,
  remove,
  // Right to erasure: POST /users/delete by external_id, else email, else phone (forget.ts).
  forget: (rows, ctx) => forgetUsers(client(ctx), rows, ctx.config.default_phone_region),
});
