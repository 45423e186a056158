import { z } from 'zod';
import { baseUrlSchema, secretSchema } from '../config.js';
import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, parseJsonResponse, type HttpClient, type HttpResponse, type RetryVerdict } from '../http/client.js';
import { normalizeEmail } from '../identifiers/index.js';
import { ok, rejected, resultForStatus, retryable } from '../results.js';
import { defineDestination } from '../template.js';
import type { Row, RowResult, RunScope, SendContext } from '../types.js';
import { MEMBER_FIELDS, MERGE_TAG, baseUrlFromKey, batchMembersResponse, problem, subscriberHash } from './api.js';

export { subscriberHash } from './api.js';

const STATUSES = ['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional'] as const;

export const mailchimpConfigSchema = z
  .object({
    list_id: z.string().min(1),
    /** An API key (`…-us6`) or an OAuth access token; sent as `Authorization: Bearer`. */
    api_key: secretSchema,
    /** Default: the data centre in the API key, https://<dc>.api.mailchimp.com/3.0 (required for OAuth tokens). */
    base_url: baseUrlSchema.optional(),
    /** Status given to people new to the list (existing members keep theirs). */
    status_if_new: z.enum(STATUSES).default('subscribed'),
    /** Tags added to every member the sync sends. */
    tags: z.array(z.string().min(1).max(100)).default([]),
    /**
     * Model the audience as this tag inside the list: upserts add the tag, removals take it off
     * (the member stays in the list). Without it, removals archive the member (or unsubscribe it).
     */
    audience_tag: z.string().min(1).max(100).optional(),
    remove_action: z.enum(['archive', 'unsubscribe']).default('archive'),
    skip_merge_validation: z.boolean().default(false),
  })
  .strict();

export type MailchimpConfig = z.output<typeof mailchimpConfigSchema>;

const VENDOR = 'Mailchimp';

function client(scope: { config: MailchimpConfig; http: HttpClient; secret: RunScope<MailchimpConfig>['secret'] }): HttpClient {
  const key = scope.secret(scope.config.api_key);
  const baseUrl = scope.config.base_url ?? baseUrlFromKey(key);
  if (!baseUrl) {
    throw new DestinationError('Mailchimp needs base_url: the api_key has no data-centre suffix (like -us6)', {
      path: 'destination.config.base_url',
      hint: 'set base_url: https://<dc>.api.mailchimp.com/3.0',
    });
  }
  return scope.http.with({ baseUrl, headers: { authorization: `Bearer ${key}` } });
}

/**
 * Mailchimp answers too many connections with 429, or at very high volume with a 403 that has no
 * JSON body (NOTES.md): both mean "back off", with no Retry-After.
 */
function retryVerdict(response: HttpResponse): RetryVerdict | undefined {
  if (response.status === 403 && !/^\s*\{/.test(response.text)) return { retry: true };
  return undefined;
}

/** Errors that say the whole sync is misconfigured, not one row: stop the run. */
function failOnAccountErrors(response: HttpResponse, what: string): void {
  const { status } = response;
  if (status === 401 || (status === 403 && /^\s*\{/.test(response.text))) {
    throw new DestinationError(`Mailchimp refused the credentials while ${what} (${describeResponse(response)})`, {
      hint: 'check api_key (and that it belongs to the data centre in base_url)',
    });
  }
}

function toMergeValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A member item of `POST /lists/{id}` from a row; null when it has no valid email. */
function memberItem(row: Row, config: MailchimpConfig, tags: string[]): Record<string, unknown> | null {
  const email = normalizeEmail(row.fields.email_address);
  if (email === null) return null;
  const item: Record<string, unknown> = { email_address: email, status_if_new: config.status_if_new };
  const merge: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(row.fields)) {
    if (field === 'email_address' || value === null || value === undefined) continue;
    if ((MEMBER_FIELDS as readonly string[]).includes(field)) item[field] = value instanceof Date ? value.toISOString() : value;
    else merge[field] = toMergeValue(value);
  }
  if (Object.keys(merge).length) item.merge_fields = merge;
  if (tags.length) item.tags = tags;
  return item;
}

function upsertTags(config: MailchimpConfig): string[] {
  return [...new Set([...config.tags, ...(config.audience_tag ? [config.audience_tag] : [])])];
}

const NO_EMAIL = 'no valid email_address to send to Mailchimp';

/**
 * Batch subscribe/update (`POST /lists/{id}`, ≤500 members): per-member errors come back in
 * `errors[]` of a 200 and are matched to rows by email address.
 */
async function batchWrite(
  rows: Row[],
  ctx: SendContext<MailchimpConfig>,
  items: Array<Record<string, unknown> | null>,
  updateExisting: boolean,
  treatExistsAsOk: boolean,
): Promise<RowResult[]> {
  const http = client(ctx);
  const members = items.filter((m): m is Record<string, unknown> => m !== null);
  if (members.length === 0) return rows.map(() => rejected(NO_EMAIL));
  const response = await http.request({
    method: 'POST',
    path: `lists/${encodeURIComponent(ctx.config.list_id)}`,
    query: ctx.config.skip_merge_validation ? { skip_merge_validation: true } : undefined,
    json: { members, update_existing: updateExisting, sync_tags: false },
    retry: retryVerdict,
  });
  failOnAccountErrors(response, 'writing members');
  if (response.status === 404) {
    throw new DestinationError(`Mailchimp list ${ctx.config.list_id} was not found (${describeResponse(response)})`, {
      path: 'destination.config.list_id',
      hint: 'check list_id (Audience settings > Audience name and defaults)',
    });
  }
  if (response.status !== 200) {
    const result = resultForStatus(response);
    return items.map((item) => (item === null ? rejected(NO_EMAIL) : result));
  }
  const body = parseJsonResponse(response, batchMembersResponse, VENDOR);
  const errors = new Map<string, string>();
  for (const e of body.errors) {
    const email = e.email_address?.toLowerCase();
    if (!email) continue;
    if (treatExistsAsOk && e.error_code === 'ERROR_CONTACT_EXISTS') continue;
    const field = e.field ? ` (${e.field}${e.field_message ? `: ${e.field_message}` : ''})` : '';
    errors.set(email, redactPii(`${e.error_code ?? 'ERROR'}: ${e.error ?? 'rejected'}${field}`));
  }
  return items.map((item) => {
    if (item === null) return rejected(NO_EMAIL);
    const error = errors.get(String(item.email_address));
    return error === undefined ? ok() : rejected(error);
  });
}

/** One request per member (archive, PATCH, tags): run together, limited by the account's limiter. */
async function perMember(
  rows: Row[],
  ctx: SendContext<MailchimpConfig>,
  request: (http: HttpClient, email: string, row: Row) => Promise<RowResult>,
): Promise<RowResult[]> {
  const http = client(ctx);
  return Promise.all(
    rows.map(async (row) => {
      const email = normalizeEmail(row.fields.email_address);
      if (email === null) return rejected(NO_EMAIL);
      return request(http, email, row);
    }),
  );
}

function memberPath(config: MailchimpConfig, email: string, suffix = ''): string {
  return `lists/${encodeURIComponent(config.list_id)}/members/${subscriberHash(email)}${suffix}`;
}

async function setTag(http: HttpClient, config: MailchimpConfig, email: string, tag: string, status: 'active' | 'inactive'): Promise<RowResult> {
  const response = await http.request({
    method: 'POST',
    path: memberPath(config, email, '/tags'),
    json: { tags: [{ name: tag, status }], is_syncing: true },
    retry: retryVerdict,
  });
  failOnAccountErrors(response, 'tagging members');
  // Taking a tag off someone who is not in the list leaves them untagged: that is done.
  if (response.status === 404 && status === 'inactive') return ok();
  return resultForStatus(response);
}

export const mailchimp = defineDestination<MailchimpConfig>({
  type: 'mailchimp',
  label: 'Mailchimp audience (list members, tags)',
  displayName: 'Mailchimp',
  docs: 'docs/destinations/mailchimp.md',
  secretFields: ['api_key'],
  targetFields: ['base_url'],
  fields: {
    known: [
      { name: 'email_address', type: 'email', identifier: true, required: true, description: 'the member' },
      { name: 'FNAME', type: 'string', description: 'merge tag: first name' },
      { name: 'LNAME', type: 'string', description: 'merge tag: last name' },
      { name: 'PHONE', type: 'phone', description: 'merge tag: phone' },
      { name: 'email_type', type: 'string' },
      { name: 'language', type: 'string' },
      { name: 'vip', type: 'boolean' },
      { name: 'ip_signup', type: 'string' },
      // Members API: timestamp_signup / timestamp_opt are "the date and time ... in ISO 8601 format".
      // Merge fields of type birthday take MM/DD (a YYYY-MM-DD value is refused: "Please enter a
      // month (01-12) and a day (01-31)"): map them as { column, as: month_day }.
      { name: 'timestamp_signup', type: 'date', format: 'datetime' },
      { name: 'ip_opt', type: 'string' },
      { name: 'timestamp_opt', type: 'date', format: 'datetime' },
    ],
    open: true,
    rule: 'member fields, or merge tags of the audience (upper-case, at most 10 characters)',
  },
  membership: true,
  consentPurposes: ['email_marketing'],
  config: mailchimpConfigSchema,
  modes: ['upsert', 'update', 'insert', 'mirror', 'add'],
  batchSize: 500,
  // Mailchimp limits connections (10 per user), not requests: keep 8 in flight.
  rateLimit: { requests: 100, perSeconds: 1 },
  concurrency: 2,
  maxConnections: 8,
  accountKey: (config) => `mailchimp:${JSON.stringify(config.api_key)}`,
  identityFields: () => ['email_address'],
  validateFields(fields) {
    const problems: Array<{ field: string; message: string }> = [];
    if (!('email_address' in fields)) problems.push({ field: 'email_address', message: 'Mailchimp members need email_address' });
    for (const field of Object.keys(fields)) {
      if ((MEMBER_FIELDS as readonly string[]).includes(field) || MERGE_TAG.test(field)) continue;
      problems.push({ field, message: `"${field}" is neither a member field (${MEMBER_FIELDS.join(', ')}) nor a merge tag (upper-case, ≤10 characters, like FNAME)` });
    }
    return problems;
  },
  async check(config, ctx) {
    const http = client({ config, http: ctx.http, secret: ctx.secret });
    const response = await http.request({ method: 'GET', path: `lists/${encodeURIComponent(config.list_id)}`, query: { fields: 'id,name' }, retry: retryVerdict });
    failOnAccountErrors(response, 'reading the list');
    if (response.status === 404) throw new DestinationError(`Mailchimp list ${config.list_id} was not found`, { path: 'destination.config.list_id' });
    if (response.status !== 200) throw new DestinationError(`Mailchimp answered ${describeResponse(response)}`);
  },
  async upsert(rows, ctx) {
    const { config, mode } = ctx;
    if (mode === 'update') {
      // Existing members only: PATCH answers 404 for people not in the list, and creates nobody.
      const tags = upsertTags(config);
      return perMember(rows, ctx, async (http, email, row) => {
        const item = memberItem(row, config, [])!;
        delete item.email_address;
        delete item.status_if_new;
        const response = await http.request({
          method: 'PATCH',
          path: memberPath(config, email),
          query: config.skip_merge_validation ? { skip_merge_validation: true } : undefined,
          json: item,
          retry: retryVerdict,
        });
        failOnAccountErrors(response, 'updating members');
        if (response.status === 404) return rejected('not a member of the list (update mode never adds people)');
        const result = resultForStatus(response);
        if (result.status !== 'ok') return result;
        for (const tag of tags) {
          const tagged = await setTag(http, config, email, tag, 'active');
          if (tagged.status !== 'ok') return tagged;
        }
        return ok();
      });
    }
    const items = rows.map((row) => memberItem(row, config, upsertTags(config)));
    return batchWrite(rows, ctx, items, mode !== 'insert', mode === 'insert');
  },
  async remove(rows, ctx) {
    const { config } = ctx;
    if (config.audience_tag) {
      const tag = config.audience_tag;
      return perMember(rows, ctx, (http, email) => setTag(http, config, email, tag, 'inactive'));
    }
    if (config.remove_action === 'unsubscribe') {
      const items = rows.map((row) => {
        const email = normalizeEmail(row.fields.email_address);
        return email === null ? null : { email_address: email, status: 'unsubscribed' };
      });
      return batchWrite(rows, ctx, items, true, false);
    }
    return perMember(rows, ctx, async (http, email) => {
      const response = await http.request({ method: 'DELETE', path: memberPath(config, email), retry: retryVerdict });
      failOnAccountErrors(response, 'archiving members');
      if (response.status === 404) return ok(); // not in the list (any more): nothing to archive
      if (response.status === 204 || response.status === 200) return ok();
      return response.status === 429 || response.status >= 500 ? retryable(describeResponse(response)) : rejected(describeResponse(response));
    });
  },
  /**
   * Right to erasure: `POST …/members/{subscriber_hash}/actions/delete-permanent` (no body, 204)
   * deletes the member's personal data and can never be undone: the address cannot be re-imported
   * to this list. A 404 means the address is not in the list: nothing to delete, once the list
   * itself is known to exist (Mailchimp answers the same 404 for a wrong list_id).
   */
  async forget(rows, ctx) {
    const listResult = await requireList(client(ctx), ctx.config);
    if (listResult.status !== 'ok') return rows.map(() => listResult);
    return perMember(rows, ctx, async (http, email) => {
      const response = await http.request({ method: 'POST', path: memberPath(ctx.config, email, '/actions/delete-permanent'), retry: retryVerdict });
      failOnAccountErrors(response, 'deleting members permanently');
      if (response.status === 404 || response.status === 204 || response.status === 200) return ok();
      const result = resultForStatus(response);
      const detail = problem.safeParse(safeJson(response.text));
      return result.status === 'rejected' && detail.success && detail.data.detail ? rejected(redactPii(`${detail.data.title ?? 'Error'}: ${detail.data.detail}`)) : result;
    });
  },
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The list exists and the key can read it (a wrong list_id would make every member look gone);
 * a throttled or failed read is the rows' result, to try again.
 */
async function requireList(http: HttpClient, config: MailchimpConfig): Promise<RowResult> {
  const response = await http.request({ method: 'GET', path: `lists/${encodeURIComponent(config.list_id)}`, query: { fields: 'id' }, retry: retryVerdict });
  failOnAccountErrors(response, 'reading the list');
  if (response.status === 404) throw new DestinationError(`Mailchimp list ${config.list_id} was not found`, { path: 'destination.config.list_id' });
  return resultForStatus(response);
}
