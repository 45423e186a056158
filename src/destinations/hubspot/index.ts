import { z } from 'zod';
import { baseUrlSchema, rateLimitSchema, secretSchema } from '../config.js';
import { DestinationError } from '../errors.js';
import { describeResponse, type HttpClient } from '../http/client.js';
import { ok, rejected, resultForStatus, retryable } from '../results.js';
import { defineDestination } from '../template.js';
import type { CheckContext, Row, RowResult, RunScope, SendContext } from '../types.js';
import { HUBSPOT_BATCH_LIMIT, hubspotRetryVerdict } from './api.js';
import { UnreadableContacts, archiveContacts, failOnAccountErrors, findRecordIds, writeContacts, type Written } from './contacts.js';
import { PROPERTY_NAME, buildInputs, contactId, type ContactInput } from './inputs.js';
import { changeMembership, checkList } from './lists.js';
import { forgetContacts } from './forget.js';

export { hubspotRetryVerdict } from './api.js';
export { attribute as attributeBatchAnswer } from './contacts.js';
export { buildInputs as hubspotInputs } from './inputs.js';

export const hubspotConfigSchema = z
  .object({
    /** A private-app access token (or an OAuth access token); sent as `Authorization: Bearer`. */
    access_token: secretSchema,
    base_url: baseUrlSchema.default('https://api.hubapi.com'),
    /** The unique property that identifies a contact: `email`, or a custom property with unique values. */
    id_property: z.string().regex(PROPERTY_NAME, 'a HubSpot internal property name (lower-case, like email or customer_id)').default('email'),
    /** A static list (ILS list id) that the synced contacts are added to. */
    list_id: z.string().regex(/^\d+$/, 'the numeric ILS list id').optional(),
    /** What mirror mode does with people who leave: take them out of list_id (default with a list), or archive the contact. */
    remove_action: z.enum(['remove_from_list', 'archive']).optional(),
    /** Your account's limit: 100 per 10 s (Free/Starter, the default), 190 per 10 s (Professional/Enterprise). */
    rate_limit: rateLimitSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.remove_action === 'remove_from_list' && !config.list_id) {
      ctx.addIssue({ code: 'custom', path: ['list_id'], message: 'remove_action remove_from_list needs list_id' });
    }
  });

export type HubSpotConfig = z.output<typeof hubspotConfigSchema>;

const DEFAULT_RATE = { requests: 100, perSeconds: 10 };

function removeAction(config: HubSpotConfig): 'remove_from_list' | 'archive' | undefined {
  return config.remove_action ?? (config.list_id ? 'remove_from_list' : undefined);
}

function client(scope: Pick<CheckContext, 'http' | 'secret'> & { config: HubSpotConfig }): HttpClient {
  return scope.http.with({ baseUrl: scope.config.base_url, headers: { authorization: `Bearer ${scope.secret(scope.config.access_token)}` } });
}

/** Adds the contacts that were written to the list; rows whose record HubSpot could not find there are retried. */
async function addToList(http: HttpClient, listId: string, written: Written[]): Promise<void> {
  const ids = [...new Set(written.filter((w) => w.result.status === 'ok' && w.recordId).map((w) => w.recordId!))];
  const outcome = await changeMembership(http, listId, 'add', ids);
  for (const w of written) {
    if (w.result.status !== 'ok') continue;
    if (!outcome.ok) {
      const detail = describeResponse(outcome.response);
      const final = resultForStatus(outcome.response).status === 'rejected';
      w.result = final ? rejected(`written to HubSpot but not added to the list: ${detail}`) : retryable(`written to HubSpot, not yet added to the list: ${detail}`);
    } else if (w.recordId && outcome.missing.has(w.recordId)) w.result = retryable(`HubSpot did not find record ${w.recordId} when adding it to the list`);
  }
}

/** HubSpot takes 100 inputs per call; a batch bigger than that (a tuned batch size) goes in slices. */
async function inSlices(rows: Row[], ctx: SendContext<HubSpotConfig>, verb: (rows: Row[], ctx: SendContext<HubSpotConfig>) => Promise<RowResult[]>): Promise<RowResult[]> {
  const results: RowResult[] = [];
  for (let i = 0; i < rows.length; i += HUBSPOT_BATCH_LIMIT) results.push(...(await verb(rows.slice(i, i + HUBSPOT_BATCH_LIMIT), ctx)));
  return results;
}

async function upsertSlice(rows: Row[], ctx: SendContext<HubSpotConfig>): Promise<RowResult[]> {
  const { config } = ctx;
  const http = client(ctx);
  const built = buildInputs(rows, config.id_property);
  const inputs = built.flatMap((b) => ('input' in b ? [b.input] : []));
  const written = await writeContacts(http, inputs, config.id_property, ctx.mode === 'update' ? 'update' : 'upsert');
  if (config.list_id) await addToList(http, config.list_id, written);
  const byIndex = new Map<number, RowResult>(inputs.map((input: ContactInput, i) => [input.index, written[i]!.result]));
  return built.map((b, index) => ('error' in b ? rejected(b.error) : byIndex.get(index)!));
}

/**
 * Mirror-mode removal: find the contacts' record ids by the id property last sent, then take them
 * out of the list (or archive them). People HubSpot does not know are already gone: ok.
 */
async function removeSlice(rows: Row[], ctx: SendContext<HubSpotConfig>): Promise<RowResult[]> {
  const { config } = ctx;
  const action = removeAction(config);
  if (!action) throw missingRemoveAction();
  const http = client(ctx);
  const ids = rows.map((row) => contactId(row.fields[config.id_property], config.id_property));
  let found: Map<string, string>;
  try {
    found = await findRecordIds(http, [...new Set(ids.filter((id): id is string => id !== null))], config.id_property);
  } catch (error) {
    if (!(error instanceof UnreadableContacts)) throw error;
    const result = resultForStatus(error.response);
    return rows.map(() => result);
  }
  const recordIds = [...new Set(found.values())];
  let result: RowResult = ok();
  if (action === 'archive') result = await archiveContacts(http, recordIds);
  else {
    const outcome = await changeMembership(http, config.list_id!, 'remove', recordIds);
    if (!outcome.ok) result = resultForStatus(outcome.response);
  }
  return ids.map((id) => (id === null || !found.has(id) ? ok() : result));
}

function missingRemoveAction(): DestinationError {
  return new DestinationError('HubSpot mirror mode needs to know what removing someone means', {
    path: 'destination.config.list_id',
    hint: 'set list_id (people who leave are taken out of that list) or remove_action: archive',
  });
}

export const hubspot = defineDestination<HubSpotConfig>({
  type: 'hubspot',
  label: 'HubSpot contacts (batch upsert, static list membership)',
  displayName: 'HubSpot',
  docs: 'docs/destinations/hubspot.md',
  secretFields: ['access_token'],
  targetFields: ['base_url'],
  fields: {
    known: [
      { name: 'email', type: 'email', identifier: true, description: 'the id property by default (config id_property)' },
      { name: 'firstname', type: 'string' },
      { name: 'lastname', type: 'string' },
      { name: 'phone', type: 'phone' },
      { name: 'city', type: 'string' },
      { name: 'country', type: 'string' },
    ],
    // Custom properties: HubSpot date (date picker) properties "must be set to midnight UTC" and
    // refuse any other time (developers.hubspot.com/docs/faq/how-should-timestamps-be-formatted-for-hubspots-apis);
    // YYYY-MM-DD is accepted too. Which properties are dates only the sync knows: { column, as: date }.
    open: true,
    rule: 'map the id property (id_property, email by default); any other name is a contact property (internal name)',
  },
  config: hubspotConfigSchema,
  modes: ['upsert', 'update', 'mirror', 'add'],
  batchSize: HUBSPOT_BATCH_LIMIT,
  rateLimit: DEFAULT_RATE,
  accountKey: (config) => `hubspot:${config.base_url}:${JSON.stringify(config.access_token)}`,
  // A contact is its id property: a new email is a new contact, and the old one leaves the list.
  identityFields: (config) => [config.id_property],
  validateFields(fields, config) {
    const problems: Array<{ field: string; message: string }> = [];
    if (!(config.id_property in fields)) problems.push({ field: config.id_property, message: `map the id property ${config.id_property}: HubSpot identifies contacts by it` });
    for (const field of Object.keys(fields)) {
      if (!PROPERTY_NAME.test(field)) problems.push({ field, message: `"${field}" is not a HubSpot internal property name (lower-case letters, digits, underscores, like firstname)` });
    }
    return problems;
  },
  async begin(scope: RunScope<HubSpotConfig>) {
    if (scope.mode === 'mirror' && !removeAction(scope.config)) throw missingRemoveAction();
  },
  async check(config, ctx) {
    const http = client({ config, http: ctx.http, secret: ctx.secret });
    if (config.list_id) return checkList(http, config.list_id);
    const response = await http.request({ method: 'GET', path: 'crm/v3/objects/contacts', query: { limit: 1, archived: false }, retry: hubspotRetryVerdict });
    failOnAccountErrors(response, 'reading contacts', 'crm.objects.contacts.read and crm.objects.contacts.write');
    if (response.status !== 200) throw new DestinationError(`HubSpot answered ${describeResponse(response)}`, { hint: 'check base_url' });
  },
  upsert: (rows, ctx) => inSlices(rows, ctx, upsertSlice),
  remove: (rows, ctx) => inSlices(rows, ctx, removeSlice),
  // Right to erasure: one POST /crm/v3/objects/contacts/gdpr-delete per contact (forget.ts).
  forget: (rows, ctx) => forgetContacts(client(ctx), rows, ctx.config.id_property),
});
