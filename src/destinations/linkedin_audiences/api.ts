import { z } from 'zod';
import type { HttpResponse } from '../http/client.js';

/**
 * LinkedIn Marketing API, Matched Audiences / DMP segments (learn.microsoft.com/linkedin/marketing):
 * versioned REST at https://api.linkedin.com/rest with the `LinkedIn-Version: YYYYMM` and
 * `X-Restli-Protocol-Version: 2.0.0` headers; many users per call with `X-RestLi-Method: BATCH_CREATE`.
 */
export const RESTLI_HEADERS = { 'x-restli-protocol-version': '2.0.0' } as const;

export type SegmentAction = 'ADD' | 'REMOVE';
export type IdType = 'SHA256_EMAIL' | 'SHA512_EMAIL';

export interface UserElement {
  action: SegmentAction;
  userIds: Array<{ idType: IdType; idValue: string }>;
}

/** BATCH_CREATE answer: one status per element, in order (201 when applied, even for a no-op). */
export const batchCreateResponse = z
  .object({
    elements: z.array(
      z
        .object({
          status: z.number(),
          error: z.object({ message: z.string().optional(), status: z.number().optional(), code: z.string().optional() }).passthrough().optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

/** `GET /rest/dmpSegments?q=account&account=…` (the finder NOTES.md documents). */
export const segmentsResponse = z
  .object({
    elements: z
      .array(
        z
          .object({
            id: z.union([z.number(), z.string()]),
            name: z.string().optional(),
            // DMP Segment Destinations (learn.microsoft.com/linkedin/marketing/matched-audiences/create-and-manage-segment-destinations):
            // "matchedCount only returns matches for the last seven days. audienceSize should be
            // used for available audience for targeting."
            destinations: z
              .array(
                z
                  .object({ destination: z.string().optional(), status: z.string().optional(), audienceSize: z.number().optional(), matchedCount: z.number().optional() })
                  .passthrough(),
              )
              .optional(),
          })
          .passthrough(),
      )
      .default([]),
    paging: z.object({ start: z.number().optional(), count: z.number().optional(), total: z.number().optional() }).passthrough().optional(),
  })
  .passthrough();

/** LinkedIn's error body: `{status, serviceErrorCode, code, message}`. */
const errorBody = z
  .object({ status: z.number().optional(), serviceErrorCode: z.number().optional(), code: z.string().optional(), message: z.string().optional() })
  .passthrough();
export type LinkedInError = z.output<typeof errorBody>;

export function readLinkedInError(response: HttpResponse): LinkedInError | undefined {
  try {
    const parsed = errorBody.safeParse(JSON.parse(response.text));
    return parsed.success && (parsed.data.message !== undefined || parsed.data.code !== undefined) ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
