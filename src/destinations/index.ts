/**
 * Destinations: where syncs send rows. One folder per destination (its config schema and verbs),
 * registered in registry.ts (the one list of types); shared here: the Destination contract, mode
 * semantics, the HTTP client with rate limits, retries and the network policy, the secret-scrubbing
 * wrapper, and identifier normalisation/hashing for ad platforms.
 */
export type { AnyDestination, DeliveryReport, DestinationField, FieldCatalog, ValueFormat, CheckContext, Destination, Row, RowResult, RunScope, SecretReader, SendContext, SendOp, SyncMode } from './types.js';
export { SYNC_MODES, VALUE_FORMATS } from './types.js';
export { modePolicy, type ModePolicy } from './modes.js';
export { registerDestination, getDestination, findDestination, listDestinations, docsOf, isSecretField } from './registry.js';
export { defineDestination, type DestinationVerbs } from './template.js';
export { ok, rejected, retryable, sameForAll, resultForStatus } from './results.js';
export { DestinationError, isDestinationError, redactPii } from './errors.js';
export { baseUrlSchema, headersSchema, rateLimitOf, rateLimitSchema, secretSchema } from './config.js';
export {
  HttpClient,
  HttpRequestError,
  parseJsonResponse,
  describeResponse,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  type RetryVerdict,
} from './http/client.js';
export { NetworkPolicy, NetworkRefusedError } from './http/network.js';
export { withScrubbedErrors, scrubError } from './scrubbed.js';
export { RateLimiter, sharedRateLimiter, type RateLimit } from './http/token-bucket.js';
export { DEFAULT_RETRY_POLICY, backoffDelay, parseRetryAfter, type RetryPolicy } from './http/backoff.js';
export * from './identifiers/index.js';
export { signBody, verifySignature, SIGNATURE_HEADER, webhookBody, type WebhookConfig } from './webhook/index.js';
export type { FileConfig, FileManifest } from './file/index.js';
export { checkRelativePath } from './file/root.js';
export { subscriberHash, type MailchimpConfig } from './mailchimp/index.js';
export { META_KEYS, metaCell, normalizeForMeta, sessionIdFor, buildPayload as metaPayload, type MetaConfig } from './meta_custom_audiences/index.js';
