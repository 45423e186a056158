import type { z } from 'zod';
import type { SecretRef } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { HttpClient } from './http/client.js';

/** How a sync treats the destination's records (see docs/syncs.md "Modes"). */
export const SYNC_MODES = ['upsert', 'update', 'insert', 'mirror', 'add'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

/** A destination field a sync may map to, as the vendor names it. */
/**
 * How a date or timestamp value is written: `date` YYYY-MM-DD (the UTC day of a timestamp),
 * `datetime` ISO 8601 UTC with milliseconds (a date at midnight UTC), `month_day` MM/DD.
 */
export const VALUE_FORMATS = ['date', 'datetime', 'month_day'] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];

export interface DestinationField {
  name: string;
  type: 'string' | 'email' | 'phone' | 'number' | 'boolean' | 'date' | 'json';
  /**
   * How the vendor wants a date/timestamp value in this field (cite its docs beside the entry);
   * default: `date` for `type: 'date'`, else timestamps as `datetime` and dates as they are.
   */
  format?: ValueFormat;
  /** Identifies the record at the vendor (matching, hashing, "identity changed"). */
  identifier?: boolean;
  /** Every sync must map it (alone; "one of" rules are in `rule`). */
  required?: boolean;
  description?: string;
}

export interface FieldCatalog {
  /** Fields the vendor documents. */
  known: readonly DestinationField[];
  /** Other names are accepted too (custom properties, merge tags, any JSON key), as `rule` says. */
  open: boolean;
  /** The rule beyond single fields, in one sentence (e.g. "map email or phone"). */
  rule?: string;
}

/** What a batch asks the destination to do. For membership destinations `remove` removes membership. */
export type SendOp = 'upsert' | 'remove';

/**
 * One row handed to a destination: the sync's row key and the mapped destination fields
 * (destination field name -> value). For `remove`, `fields` holds the values last delivered
 * (possibly empty when nothing was ever confirmed).
 */
export interface Row {
  key: string;
  fields: Record<string, unknown>;
}

/** The outcome of one row: confirmed, refused for good (until the row changes), or worth retrying. */
export type RowResult = { status: 'ok' } | { status: 'rejected'; reason: string } | { status: 'retryable'; reason: string };

/** Reads the plaintext of a secret reference; resolved once before the run, so this never waits. */
export type SecretReader = (ref: SecretRef) => string;

/** What `check` gets: secrets and an HTTP client with the destination's limits. */
export interface CheckContext {
  secret: SecretReader;
  /** The project directory (file destinations resolve relative paths from it). */
  projectDir: string;
  /**
   * Set for destinations created over the API: files may only be written under this directory
   * (resolved with realpath; see docs/security.md). Absent for destinations in git.
   */
  fileRoot?: string;
  http: HttpClient;
  logger: Logger;
}

/**
 * What a vendor says about delivered rows beyond per-row results (docs/syncs.md, "Match rates
 * and reach"): counts it received and found invalid per request, rows it matched to its users,
 * the audience's size. Destinations report what their vendor answers, parsed with zod.
 */
export interface DeliveryReport {
  received?: number;
  invalid?: number;
  matched?: number;
  /** The audience's size as the vendor reports it now (the latest report of a run wins). */
  audienceSize?: number;
}

/** Everything a destination knows about the run it is part of. */
export interface RunScope<C> extends CheckContext {
  /** Records what the vendor reported (counts add up over the run's requests). */
  report?(report: DeliveryReport): void;
  config: C;
  sync: string;
  /** This run (sync_runs.id). */
  runId: string;
  mode: SyncMode;
  /** Name of the sync's key column; rows carry its value as `Row.key`. */
  keyColumn: string;
  /** The destination fields the sync maps, in definition order. */
  fields: readonly string[];
  /** Aborted when the run must stop (shutdown): finish the current request, then return. */
  signal: AbortSignal;
}

export interface SendContext<C> extends RunScope<C> {
  batch: {
    op: SendOp;
    /** The run that planned this batch: this run, or an earlier one whose plan is being resumed. */
    planId: string;
    /** 1-based position of this batch among the batches of `op` in the plan. */
    index: number;
    /** How many batches of `op` the plan has. */
    count: number;
    /** How many rows of `op` the plan has. */
    rows: number;
    /**
     * `<plan id>:<first seq of the batch>`: the same on every send of this batch (a resend after a
     * crash or a retryable answer carries the key of its first send), different for any other
     * batch. Sent where the vendor takes one (webhook: `X-CDP-Idempotency-Key`), so receivers can
     * tell a resend from a new send.
     */
    idempotencyKey: string;
  };
}

/**
 * A place rows are sent to. The first seven members are what every destination must have; the
 * optional ones describe the type (registry, UI, docs) and let it refine what the engine does for it.
 */
export interface Destination<C> {
  type: string;
  /** Validated before any run; secrets by reference ({env: NAME} or {secret: name}). */
  config: z.ZodType<C>;
  modes: SyncMode[];
  batchSize: number;
  rateLimit: { requests: number; perSeconds: number };
  /** "Test connection": calls the vendor's cheapest authenticated endpoint. */
  check(config: C, ctx?: CheckContext): Promise<void>;
  /** Sends one batch; exactly one result per row, in order. Throws DestinationError to stop the run. */
  send(op: SendOp, rows: Row[], ctx: SendContext<C>): Promise<RowResult[]>;

  /**
   * Right to erasure: deletes the people behind these rows at the vendor (the whole contact or
   * user, not only a list membership), where the vendor has such an API. `fields` hold the values
   * last delivered. One result per row, in order. Without it, privacy deletions fall back to
   * `send('remove', ...)` where the destination can remove rows.
   */
  forget?(rows: Row[], ctx: SendContext<C>): Promise<RowResult[]>;

  /** One line for humans (UI, `cdp sync list`). */
  label?: string;

  // ---- What the registry knows about the type (checked for every built-in by the contract suite,
  // tests/integration/destinations/contract.test.ts).
  /** The vendor's name as people say it, e.g. "HubSpot". */
  displayName?: string;
  /** Its page, relative to the repository root: `docs/destinations/<type>.md`. */
  docs?: string;
  /**
   * Config fields that hold credentials (`{secret}` references; `{env}` in git). `headers.*` means
   * every key under `headers`. The API takes their values write-only and stores them encrypted.
   */
  secretFields?: readonly string[];
  /**
   * Config fields that decide where rows go (URLs, hosts, paths). Changing one over the API (or
   * the type) clears the stored secrets unless the same request sends them again.
   */
  targetFields?: readonly string[];
  /**
   * Config fields kept only so old configs in git still work (read as an alias, with a warning):
   * the API refuses them with this message, and forms do not show them.
   */
  deprecatedFields?: Readonly<Record<string, string>>;
  /** The destination fields a sync may map (its field catalogue). */
  fields?: FieldCatalog;
  /** It has a remove verb (`send('remove', ...)` takes rows out); required by mirror mode. */
  removes?: boolean;
  /** True when a remove only takes the person out of a list/audience (never deletes the person). */
  membership?: boolean;
  /**
   * Consent purposes a person must allow before rows about them may be sent here (e.g.
   * `advertising` for ad platforms, `email_marketing` for email tools); enforced by plan filters.
   */
  consentPurposes?: readonly string[];
  /** Batches in flight at once (default 4). */
  concurrency?: number;
  concurrencyFor?(config: C): number;
  /** Requests in flight at once to one account, across batches (vendors that limit connections). */
  maxConnections?: number;
  /** Batch size and limits that depend on the config (e.g. webhook `batch_size`). */
  batchSizeFor?(config: C): number;
  rateLimitFor?(config: C): { requests: number; perSeconds: number };
  /** Rows of one account share one rate limiter; defaults to the destination type + base URL. */
  accountKey?(config: C): string;
  /** Problems with the field mapping (destination field names), checked before any run. */
  validateFields?(fields: Readonly<Record<string, string>>, config: C): Array<{ field: string; message: string }>;
  /**
   * Destination fields that identify the record at the vendor (e.g. the email of a list member).
   * When they change, the engine removes the old record before sending the new one.
   */
  identityFields?(config: C, fields: readonly string[]): readonly string[];
  /**
   * Optional fast path for destinations that forward rows as JSON objects (webhook): `json` is a
   * JSON array text of `count` flat objects `{<key column>: key, ...mapped fields}` in plan order,
   * built in the warehouse. When present the engine calls it for upserts instead of `send`, so rows
   * are never parsed and re-serialised in between. One result per row, as for `send`.
   */
  sendRowsJson?(op: 'upsert', json: string, count: number, ctx: SendContext<C>): Promise<RowResult[]>;
  /** Called once before the first batch of a run, and once after the last (`complete` = nothing left unsent). */
  begin?(scope: RunScope<C>): Promise<void>;
  finish?(scope: RunScope<C>, outcome: { complete: boolean }): Promise<void>;
}

/**
 * A destination of any config type, as the registry holds them. Methods are declared with method
 * syntax, so a Destination<WebhookConfig> is one; the engine only passes each destination the
 * config its own schema parsed.
 */
export type AnyDestination = Destination<unknown>;
