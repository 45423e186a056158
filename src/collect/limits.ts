/** Segment's HTTP API limits (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#max-request-size). */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
/** Bodies beyond this are not even read to the end: the connection is dropped. */
export const MAX_READ_BYTES = 8 * 1024 * 1024;
