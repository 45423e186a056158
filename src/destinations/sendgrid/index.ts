import { z } from 'zod';
import { baseUrlSchema, rateLimitSchema, secretSchema } from '../config.js';
import { DestinationError } from '../errors.js';
import { describeResponse, type HttpClient } from '../http/client.js';
import { normalizeEmail } from '../identifiers/index.js';
import { ok, rejected, retryable } from '../results.js';
import { defineDestination } from '../template.js';
import type { CheckContext, Row, RowResult, SendContext } from '../types.js';
import { UPSERT_MAX_BYTES, UPSERT_MAX_CONTACTS, failOnAccountErrors, sendgridRetryVerdict } from './api.js';
import { chunkBySize } from '../batching.js';
import { buildContacts } from './contacts.js';
import { deleteContacts, removeFromList, searchEmails, upsertContacts, type PollOptions } from './jobs.js';
import { forgetContacts } from './forget.js';

export { buildContacts as sendgridContacts } from './contacts.js';
export { sendgridRetryVerdict, contactIndex as sendgridContactIndex } from './api.js';

export const sendgridConfigSchema = z
  .object({
    /** An API key with Marketing permissions; sent as `Authorization: Bearer`. */
    api_key: secretSchema,
    base_url: baseUrlSchema.default('https://api.sendgrid.com'),
    /** Lists every synced contact is added to (in the upsert itself). */
    list_ids: z.array(z.string().uuid('a list id (a UUID)')).default([]),
    /** What mirror mode does with people who leave: take them out of list_ids (default with lists), or delete the contact. */
    remove_action: z.enum(['remove_from_lists', 'delete']).optional(),
    /** How often a contacts job is polled, and how long to wait for it before retrying its rows on the next run. */
    poll_interval_ms: z.number().int().min(10).default(2000),
    job_timeout_s: z.number().int().min(1).default(900),
    /** SendGrid publishes no numbers; it answers 429 with X-RateLimit-Reset when you go over. */
    rate_limit: rateLimitSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.remove_action === 'remove_from_lists' && config.list_ids.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['list_ids'], message: 'remove_action remove_from_lists needs list_ids' });
    }
  });

export type SendGridConfig = z.output<typeof sendgridConfigSchema>;

const DEFAULT_RATE = { requests: 10, perSeconds: 1 };

function removeAction(config: SendGridConfig): 'remove_from_lists' | 'delete' | undefined {
  return config.remove_action ?? (config.list_ids.length ? 'remove_from_lists' : undefined);
}

function client(scope: Pick<CheckContext, 'http' | 'secret'> & { config: SendGridConfig }): HttpClient {
  return scope.http.with({ baseUrl: scope.config.base_url, headers: { authorization: `Bearer ${scope.secret(scope.config.api_key)}` } });
}

function pollOptions(ctx: SendContext<SendGridConfig>): PollOptions {
  return { intervalMs: ctx.config.poll_interval_ms, timeoutMs: ctx.config.job_timeout_s * 1000, signal: ctx.signal };
}

async function upsert(rows: Row[], ctx: SendContext<SendGridConfig>): Promise<RowResult[]> {
  const http = client(ctx);
  const built = buildContacts(rows);
  const results: RowResult[] = built.map((b) => ('error' in b ? rejected(b.error) : ok()));
  const sendable = built.flatMap((b, index) => ('error' in b ? [] : [{ index, bytes: b.bytes, item: { contact: b.contact, email: b.email } }]));
  // Leave room for list_ids and the envelope under the 6 MB request limit.
  for (const chunk of chunkBySize(sendable, UPSERT_MAX_CONTACTS, UPSERT_MAX_BYTES - 64 * 1024)) {
    const outcome = await upsertContacts(http, chunk.map((c) => c.item), ctx.config.list_ids, pollOptions(ctx));
    chunk.forEach((c, i) => (results[c.index] = outcome[i]!));
  }
  return results;
}

/**
 * Mirror-mode removal: look the contacts up by the email last sent, then take them out of every
 * list in list_ids (or delete them). Addresses SendGrid does not know are already gone: ok.
 */
async function remove(rows: Row[], ctx: SendContext<SendGridConfig>): Promise<RowResult[]> {
  const action = removeAction(ctx.config);
  if (!action) throw missingRemoveAction();
  const http = client(ctx);
  const emails = rows.map((row) => normalizeEmail(row.fields.email));
  const found = await searchEmails(http, [...new Set(emails.filter((e): e is string => e !== null))]);
  if (typeof found === 'string') return rows.map(() => retryable(found));
  const ids = [...new Set([...found.values()].map((c) => c.id))];
  let result: RowResult = ok();
  if (action === 'delete') result = await deleteContacts(http, ids, pollOptions(ctx));
  else {
    for (const listId of ctx.config.list_ids) {
      result = await removeFromList(http, listId, ids);
      if (result.status !== 'ok') break;
    }
  }
  return emails.map((email) => (email !== null && found.has(email) ? result : ok()));
}

function missingRemoveAction(): DestinationError {
  return new DestinationError('SendGrid mirror mode needs to know what removing someone means', {
    path: 'destination.config.list_ids',
    hint: 'set list_ids (people who leave are taken out of those lists) or remove_action: delete',
  });
}

export const sendgrid = defineDestination<SendGridConfig>({
  type: 'sendgrid',
  label: 'SendGrid Marketing contacts (bulk upsert jobs, lists)',
  displayName: 'SendGrid',
  docs: 'docs/destinations/sendgrid.md',
  secretFields: ['api_key'],
  targetFields: ['base_url'],
  fields: {
    known: [
      { name: 'email', type: 'email', identifier: true, required: true },
      { name: 'first_name', type: 'string' },
      { name: 'last_name', type: 'string' },
      { name: 'phone_number', type: 'phone' },
      { name: 'city', type: 'string' },
      { name: 'country', type: 'string' },
      { name: 'postal_code', type: 'string' },
    ],
    open: true,
    rule: 'map email; other names are reserved fields or custom field ids',
  },
  config: sendgridConfigSchema,
  consentPurposes: ['email_marketing'],
  modes: ['upsert', 'add', 'mirror'],
  batchSize: UPSERT_MAX_CONTACTS,
  rateLimit: DEFAULT_RATE,
  // Few big jobs beat many small ones (NOTES.md): two at a time per run.
  concurrency: 2,
  accountKey: (config) => `sendgrid:${config.base_url}:${JSON.stringify(config.api_key)}`,
  // A contact is its email: a new address is a new contact, and the old one leaves the lists.
  identityFields: () => ['email'],
  validateFields(fields) {
    const problems: Array<{ field: string; message: string }> = [];
    if (!('email' in fields)) problems.push({ field: 'email', message: 'map email: SendGrid contacts are identified (and removed) by it' });
    for (const field of Object.keys(fields)) {
      if (!/^[A-Za-z0-9_]+$/.test(field)) problems.push({ field, message: `"${field}" is neither a reserved field nor a custom field id (letters, digits, underscores)` });
    }
    return problems;
  },
  async begin(scope) {
    if (scope.mode === 'mirror' && !removeAction(scope.config)) throw missingRemoveAction();
  },
  async check(config, ctx) {
    const http = client({ config, http: ctx.http, secret: ctx.secret });
    for (const listId of config.list_ids) {
      const response = await http.request({ method: 'GET', path: `v3/marketing/lists/${encodeURIComponent(listId)}`, retry: sendgridRetryVerdict });
      failOnAccountErrors(response, 'reading a list');
      if (response.status === 404) throw new DestinationError(`SendGrid list ${listId} was not found`, { path: 'destination.config.list_ids' });
      if (response.status !== 200) throw new DestinationError(`SendGrid answered ${describeResponse(response)} while reading list ${listId}`);
    }
    if (config.list_ids.length) return;
    const response = await http.request({ method: 'GET', path: 'v3/marketing/contacts/count', retry: sendgridRetryVerdict });
    failOnAccountErrors(response, 'counting contacts');
    if (response.status !== 200) throw new DestinationError(`SendGrid answered ${describeResponse(response)}`, { hint: 'check base_url' });
  },
  upsert,
  remove,
  // Right to erasure: search the emails, then DELETE /v3/marketing/contacts?ids=... (forget.ts).
  forget: (rows, ctx) => forgetContacts(client(ctx), rows, pollOptions(ctx)),
});
