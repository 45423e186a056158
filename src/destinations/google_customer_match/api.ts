import { z } from 'zod';
import type { HttpResponse } from '../http/client.js';

/**
 * The JSON (REST) mapping of the Data Manager API messages we send and read
 * (google/ads/datamanager/v1/*.proto; JSON names are the lowerCamelCase of the proto fields,
 * enums are their value names, int64 counts arrive as strings).
 */

/** `IngestAudienceMembersRequest.audience_members`: "At most 10000". */
export const MAX_MEMBERS_PER_REQUEST = 10_000;
/** `UserData.user_identifiers`: "At most 10 userIdentifiers" per member. */
export const MAX_IDENTIFIERS_PER_MEMBER = 10;

export interface ProductAccountJson {
  accountId: string;
  accountType: string;
}

export interface DestinationJson {
  operatingAccount: ProductAccountJson;
  loginAccount?: ProductAccountJson;
  linkedAccount?: ProductAccountJson;
  productDestinationId: string;
}

export type ConsentStatusJson = 'CONSENT_GRANTED' | 'CONSENT_DENIED';
export interface ConsentJson {
  adUserData?: ConsentStatusJson;
  adPersonalization?: ConsentStatusJson;
}

export type UserIdentifierJson =
  | { emailAddress: string }
  | { phoneNumber: string }
  | { address: { givenName: string; familyName: string; regionCode: string; postalCode: string } };

export interface AudienceMemberJson {
  userData: { userIdentifiers: UserIdentifierJson[] };
  consent?: ConsentJson;
}

/** `IngestAudienceMembersResponse` / `RemoveAudienceMembersResponse`. */
export const requestIdResponse = z.object({ requestId: z.string().min(1) }).passthrough();

const int64 = z.union([z.string(), z.number()]).transform((v) => Number(v));

export const REQUEST_STATUSES = ['REQUEST_STATUS_UNKNOWN', 'SUCCESS', 'PROCESSING', 'FAILED', 'PARTIAL_SUCCESS'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** `RetrieveRequestStatusResponse` (request_status_per_destination.proto). */
export const retrieveStatusResponse = z
  .object({
    requestStatusPerDestination: z
      .array(
        z
          .object({
            requestStatus: z.enum(REQUEST_STATUSES).default('REQUEST_STATUS_UNKNOWN'),
            errorInfo: z
              .object({ errorCounts: z.array(z.object({ recordCount: int64.default(0), reason: z.string().default('PROCESSING_ERROR_REASON_UNSPECIFIED') })).default([]) })
              .optional(),
            warningInfo: z
              .object({ warningCounts: z.array(z.object({ recordCount: int64.default(0), reason: z.string().default('') })).default([]) })
              .optional(),
          })
          .passthrough(),
      )
      .default([]),
  })
  .passthrough();
export type RequestStatusPerDestination = z.output<typeof retrieveStatusResponse>['requestStatusPerDestination'][number];

/** `UserList` (user_list.proto): what `check` reads. */
export const userListResponse = z
  .object({
    name: z.string().optional(),
    id: z.union([z.string(), z.number()]).optional(),
    displayName: z.string().optional(),
    readOnly: z.boolean().default(false),
    membershipStatus: z.string().optional(),
    ingestedUserListInfo: z.object({ uploadKeyTypes: z.array(z.string()).default([]) }).passthrough().optional(),
  })
  .passthrough();

/**
 * A Google API error (`google.rpc.Status` in an `error` envelope). Details follow Google's
 * standard error model: `google.rpc.ErrorInfo` (reason from error.proto's ErrorReason,
 * `metadata.quota_limit` for quota) and `google.rpc.BadRequest` (field violations).
 */
const googleErrorSchema = z.object({
  error: z
    .object({
      code: z.number().optional(),
      message: z.string().optional(),
      status: z.string().optional(),
      details: z.array(z.record(z.string(), z.unknown())).default([]),
    })
    .passthrough(),
});

export interface FieldViolation {
  field: string;
  description: string;
  reason?: string;
}

export interface GoogleError {
  code?: number;
  status?: string;
  message: string;
  reasons: string[];
  violations: FieldViolation[];
}

export function readGoogleError(response: HttpResponse): GoogleError | undefined {
  let parsed;
  try {
    parsed = googleErrorSchema.safeParse(JSON.parse(response.text));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  const { error } = parsed.data;
  const reasons: string[] = [];
  const violations: FieldViolation[] = [];
  for (const detail of error.details) {
    const type = String(detail['@type'] ?? '');
    if (type.endsWith('google.rpc.ErrorInfo') && typeof detail.reason === 'string') reasons.push(detail.reason);
    if (type.endsWith('google.rpc.BadRequest') && Array.isArray(detail.fieldViolations)) {
      for (const v of detail.fieldViolations as Array<Record<string, unknown>>) {
        violations.push({
          field: String(v.field ?? ''),
          description: String(v.description ?? ''),
          reason: typeof v.reason === 'string' ? v.reason : undefined,
        });
        if (typeof v.reason === 'string') reasons.push(v.reason);
      }
    }
  }
  return { code: error.code, status: error.status, message: error.message ?? '', reasons, violations };
}

/** The audience member a field path points at (`audience_members[3].user_data...` or camelCase). */
export function memberIndexOf(field: string): number | undefined {
  const match = /^(?:audience_members|audienceMembers)\[(\d+)\]/.exec(field);
  return match ? Number(match[1]) : undefined;
}
