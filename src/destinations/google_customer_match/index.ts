import type { Logger } from '../../logger.js';
import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, parseJsonResponse, type HttpClient, type HttpResponse } from '../http/client.js';
import { ok, rejected, retryable } from '../results.js';
import { defineDestination } from '../template.js';
import type { CheckContext, Row, RowResult, SendContext, SendOp } from '../types.js';
import {
  MAX_MEMBERS_PER_REQUEST,
  memberIndexOf,
  readGoogleError,
  requestIdResponse,
  userListResponse,
  type AudienceMemberJson,
  type DestinationJson,
  type GoogleError,
} from './api.js';
import { googleConfigSchema, type GoogleConfig } from './config.js';
import { ADDRESS_FIELDS, GOOGLE_FIELDS, IDENTIFIER_FIELDS, NO_IDENTIFIER, audienceMember, configConsent } from './members.js';
import { awaitRequestStatus, describeCounts, type RequestOutcome } from './status.js';

export { googleConfigSchema, type GoogleConfig } from './config.js';
export { audienceMember as googleAudienceMember, userIdentifiers as googleUserIdentifiers, GOOGLE_FIELDS } from './members.js';
export { retrieveRequestStatus, awaitRequestStatus, type RequestOutcome } from './status.js';

/**
 * Google Customer Match through the Data Manager API (datamanager.googleapis.com, v1):
 * `audienceMembers:ingest` adds people to a Customer Match user list, `audienceMembers:remove`
 * takes them out, `requestStatus:retrieve` says how Google processed each upload, and
 * `GET userLists/{id}` is the connection check. Only SHA-256 hex of normalised identifiers
 * leaves (region and postal code of an address go in clear, as the API requires).
 */

const VENDOR = 'Google Data Manager';
/** Data Manager quota per Google Cloud project: 300 requests per minute (IngestionService). */
const RATE_LIMIT = { requests: 300, perSeconds: 60 };
/** A 400 naming bad members is answered by resending the others; at most this many times per batch. */
const MAX_RESUBMITS = 5;

function client(scope: Pick<CheckContext, 'http' | 'secret'> & { config: GoogleConfig }): HttpClient {
  const headers: Record<string, string> = { authorization: `Bearer ${scope.secret(scope.config.access_token)}` };
  if (scope.config.quota_project) headers['x-goog-user-project'] = scope.config.quota_project;
  return scope.http.with({ baseUrl: scope.config.base_url, headers });
}

function account(a: { account_id: string; account_type: string }) {
  return { accountType: a.account_type, accountId: a.account_id };
}

export function destinationJson(config: GoogleConfig): DestinationJson {
  const destination: DestinationJson = { operatingAccount: account(config.operating_account), productDestinationId: config.audience_id };
  if (config.login_account) destination.loginAccount = account(config.login_account);
  if (config.linked_account) destination.linkedAccount = account(config.linked_account);
  return destination;
}

/** The body of `audienceMembers:ingest` or `audienceMembers:remove` (IngestAudienceMembersRequest / RemoveAudienceMembersRequest). */
export function requestBody(op: SendOp, members: AudienceMemberJson[], config: GoogleConfig): Record<string, unknown> {
  const body: Record<string, unknown> = { destinations: [destinationJson(config)], audienceMembers: members };
  if (op === 'upsert') {
    const consent = configConsent(config);
    if (consent) body.consent = consent;
  }
  body.encoding = 'HEX';
  if (op === 'upsert') body.termsOfService = { customerMatchTermsOfServiceStatus: 'ACCEPTED' };
  return body;
}

function errorText(response: HttpResponse, error: GoogleError | undefined): string {
  if (!error) return describeResponse(response);
  const reasons = [...new Set(error.reasons)].join(', ');
  return redactPii(`HTTP ${response.status} ${error.status ?? ''}${reasons ? ` (${reasons})` : ''}: ${error.message}`.replace(/\s+/g, ' '));
}

/** Members a 400 names, with the reason; undefined when any violation is not about one member. */
function refusedMembers(error: GoogleError | undefined, count: number): Map<number, string> | undefined {
  if (!error || error.violations.length === 0) return undefined;
  const refused = new Map<number, string>();
  for (const v of error.violations) {
    const index = memberIndexOf(v.field);
    if (index === undefined || index >= count) return undefined;
    const path = v.field.replace(/^(audience_members|audienceMembers)\[\d+\]\.?/, '');
    refused.set(index, redactPii(`${v.reason ?? 'INVALID_ARGUMENT'}${path ? ` at ${path}` : ''}: ${v.description}`));
  }
  return refused;
}

/** A failed upload: retryable rows, or a DestinationError when no row can get through until the config changes. */
function failure(response: HttpResponse, error: GoogleError | undefined, what: string): RowResult {
  const text = errorText(response, error);
  const { status } = response;
  if (status === 429 || status === 408 || status >= 500) return retryable(text);
  if (!error) {
    throw new DestinationError(`${VENDOR} answered ${describeResponse(response)} while ${what}, not a Google API error`, {
      hint: `check base_url points at the Data Manager API (${new URL(response.url).origin})`,
    });
  }
  if (status === 401) {
    throw new DestinationError(`${VENDOR} refused the credentials while ${what}: ${text}`, {
      hint: 'access_token must be a valid OAuth 2.0 access token with scope https://www.googleapis.com/auth/datamanager',
    });
  }
  if (status === 403 || status === 404) {
    throw new DestinationError(`${VENDOR} refused ${what}: ${text}`, {
      hint: 'check operating_account, login_account and audience_id, and that the Google account behind the token can manage that user list',
    });
  }
  // Any other 400 is about the request as a whole (destination, terms, list type): nothing gets through.
  throw new DestinationError(`${VENDOR} refused ${what}: ${text}`, {
    hint: 'check the destination config (audience_id must be a Customer Match list that takes contact info, customer_match_terms_accepted: true)',
  });
}

/** How Google processed an accepted upload, as one result for its rows. */
function resultFor(outcome: RequestOutcome, logger: Logger, op: SendOp, rows: number): RowResult {
  const log = { requestId: outcome.requestId, status: outcome.status, op, rows, errors: outcome.errors, warnings: outcome.warnings };
  switch (outcome.status) {
    case 'FAILED': {
      const text = `Google could not process request ${outcome.requestId}${outcome.errors.length ? ` (${describeCounts(outcome.errors)})` : ''}`;
      logger.warn(log, 'Data Manager request failed');
      const internal = outcome.errors.length === 0 || outcome.errors.every((e) => e.reason.endsWith('INTERNAL_ERROR'));
      return internal ? retryable(text) : rejected(text);
    }
    case 'PARTIAL_SUCCESS':
      // Google reports only counts by reason, not which members failed: the accepted ones are in
      // the list, so the rows count as delivered (and a later removal is sent for all of them).
      logger.warn(log, 'Data Manager request partly failed');
      return ok();
    case 'SUCCESS':
      logger.debug(log, 'Data Manager request processed');
      return ok();
    default:
      logger.info(log, 'Data Manager request accepted, still processing');
      return ok();
  }
}

/**
 * The run's reach from a processed ingest request: its members as `received`, the records its
 * request status counts in `errorInfo.errorCounts` as `invalid` (Google names no members). A
 * request still processing, or failed inside Google (sent again), reports nothing: its rows
 * count by their per-row results.
 */
function reportOutcome(ctx: SendContext<GoogleConfig>, outcome: RequestOutcome, result: RowResult, members: number): void {
  if (outcome.status === 'PROCESSING' || outcome.status === 'REQUEST_STATUS_UNKNOWN' || result.status === 'retryable') return;
  const counted = outcome.errors.reduce((sum, e) => sum + e.records, 0);
  const invalid = outcome.status === 'FAILED' && counted === 0 ? members : Math.min(members, counted);
  ctx.report?.({ received: members, invalid });
}

async function upload(op: SendOp, rows: Row[], ctx: SendContext<GoogleConfig>): Promise<RowResult[]> {
  const { config } = ctx;
  const results: Array<RowResult | undefined> = rows.map(() => undefined);
  let pending: Array<{ row: number; member: AudienceMemberJson }> = [];
  rows.forEach((row, i) => {
    const member = audienceMember(row.fields, config, op === 'upsert');
    if (member) pending.push({ row: i, member });
    else results[i] = rejected(NO_IDENTIFIER);
  });
  const http = client(ctx);
  const what = op === 'upsert' ? 'adding audience members' : 'removing audience members';
  for (let attempt = 0; pending.length > 0; attempt++) {
    const response = await http.request({
      method: 'POST',
      path: op === 'upsert' ? 'v1/audienceMembers:ingest' : 'v1/audienceMembers:remove',
      json: requestBody(
        op,
        pending.map((p) => p.member),
        config,
      ),
    });
    if (response.status === 200) {
      const { requestId } = parseJsonResponse(response, requestIdResponse, VENDOR);
      const outcome: RequestOutcome =
        config.status_wait_seconds > 0
          ? await awaitRequestStatus(http, requestId, config.status_wait_seconds, { signal: ctx.signal })
          : { requestId, status: 'PROCESSING', errors: [], warnings: [] };
      const result = resultFor(outcome, ctx.logger, op, pending.length);
      if (op === 'upsert') reportOutcome(ctx, outcome, result, pending.length);
      for (const p of pending) results[p.row] = result;
      break;
    }
    const error = readGoogleError(response);
    const refused = response.status === 400 ? refusedMembers(error, pending.length) : undefined;
    if (refused && attempt < MAX_RESUBMITS) {
      // A 400 rejects the whole request; take out the members it names and send the others again.
      pending = pending.filter((p, i) => {
        const reason = refused.get(i);
        if (reason === undefined) return true;
        results[p.row] = rejected(reason);
        return false;
      });
      continue;
    }
    const result = failure(response, error, what);
    for (const p of pending) results[p.row] = result;
    break;
  }
  return results.map((r) => r ?? retryable('not sent'));
}

export const googleCustomerMatch = defineDestination<GoogleConfig>({
  type: 'google_customer_match',
  label: 'Google Customer Match (Data Manager API, hashed identifiers)',
  displayName: 'Google Customer Match',
  docs: 'docs/destinations/google-customer-match.md',
  secretFields: ['access_token'],
  targetFields: ['base_url'],
  fields: {
    known: [
      { name: 'email_address', type: 'email', identifier: true },
      { name: 'phone_number', type: 'phone', identifier: true },
      { name: 'given_name', type: 'string', identifier: true },
      { name: 'family_name', type: 'string', identifier: true },
      { name: 'region_code', type: 'string', identifier: true },
      { name: 'postal_code', type: 'string', identifier: true },
      { name: 'consent_ad_user_data', type: 'boolean' },
      { name: 'consent_ad_personalization', type: 'boolean' },
    ],
    open: false,
    rule: 'map email_address, phone_number or a whole address (given_name, family_name, region_code, postal_code)',
  },
  membership: true,
  config: googleConfigSchema,
  consentPurposes: ['advertising'],
  modes: ['upsert', 'add', 'mirror'],
  batchSize: MAX_MEMBERS_PER_REQUEST,
  rateLimit: RATE_LIMIT,
  // Quota is per Google Cloud project: syncs sharing a project (or a token) share the limiter.
  accountKey: (config) => `google:${config.quota_project ?? JSON.stringify(config.access_token)}`,
  // Google matches on identifiers: when one changes, the old ones are removed before the new are added.
  identityFields: (_config, fields) => fields.filter((f) => (IDENTIFIER_FIELDS as readonly string[]).includes(f)),
  validateFields(fields) {
    const problems: Array<{ field: string; message: string }> = [];
    const names = Object.keys(fields);
    for (const field of names) {
      if (!GOOGLE_FIELDS.includes(field)) problems.push({ field, message: `"${field}" is not a Google Customer Match field (${GOOGLE_FIELDS.join(', ')})` });
    }
    const address = ADDRESS_FIELDS.filter((f) => names.includes(f));
    if (address.length > 0 && address.length < ADDRESS_FIELDS.length) {
      problems.push({ field: '(fields)', message: `an address needs all of ${ADDRESS_FIELDS.join(', ')} (missing ${ADDRESS_FIELDS.filter((f) => !names.includes(f)).join(', ')})` });
    }
    if (!names.includes('email_address') && !names.includes('phone_number') && address.length < ADDRESS_FIELDS.length) {
      problems.push({ field: '(fields)', message: 'map at least one of email_address, phone_number, or a complete address' });
    }
    return problems;
  },
  async check(config, ctx) {
    const operating = config.operating_account;
    const headers: Record<string, string> = {};
    if (config.login_account) headers['login-account'] = `accountTypes/${config.login_account.account_type}/accounts/${config.login_account.account_id}`;
    if (config.linked_account) headers['linked-account'] = `accountTypes/${config.linked_account.account_type}/accounts/${config.linked_account.account_id}`;
    const response = await client({ config, http: ctx.http, secret: ctx.secret }).request({
      method: 'GET',
      path: `v1/accountTypes/${operating.account_type}/accounts/${operating.account_id}/userLists/${config.audience_id}`,
      headers,
    });
    if (response.status !== 200) {
      const result = failure(response, readGoogleError(response), 'reading the user list');
      throw new DestinationError(`${VENDOR}: ${'reason' in result ? result.reason : 'failed'}`, { hint: 'try again later' });
    }
    const list = parseJsonResponse(response, userListResponse, VENDOR);
    if (list.readOnly) throw new DestinationError(`${VENDOR}: user list ${config.audience_id} is read-only`, { hint: 'use a Customer Match list your account owns' });
    if (list.membershipStatus === 'CLOSED') {
      throw new DestinationError(`${VENDOR}: user list ${config.audience_id} is closed`, { hint: 'open the list (membership status OPEN) in Google Ads' });
    }
    const keys = list.ingestedUserListInfo?.uploadKeyTypes ?? [];
    if (keys.length > 0 && !keys.includes('CONTACT_ID')) {
      throw new DestinationError(`${VENDOR}: user list ${config.audience_id} takes ${keys.join(', ')}, not contact info`, {
        hint: 'use a Customer Match list whose upload key type is CONTACT_ID',
      });
    }
  },
  upsert: (rows, ctx) => upload('upsert', rows, ctx),
  remove: (rows, ctx) => upload('remove', rows, ctx),
});
