import { z } from 'zod';
import { secretRefSchema } from './secrets.js';
import { eventStreamSchema, identitySchema, nameSchema, profilesSchema } from './identity.js';
import { DEFAULT_PURPOSES, privacySchema } from './privacy.js';
import { authSchema } from './auth.js';
import { collectSchema } from './collect.js';
import { predictionsSchema } from './predictions.js';
import { alertsSchema } from './alerts.js';

const duckdbWarehouse = z
  .object({
    type: z.literal('duckdb'),
    /** File of the embedded warehouse, relative to the project; ':memory:' for a throwaway one. */
    path: z.string().default('.cdp/warehouse.duckdb'),
    threads: z.number().int().positive().optional(),
    /** DuckDB's memory limit (e.g. '4GB'); default: a sixth of the machine's memory (see docs/scale.md). */
    memoryLimit: z.string().optional(),
    /** Where DuckDB spills what does not fit in `memoryLimit`; default: next to the file (`<path>.tmp`), or the OS temp dir for ':memory:'. */
    tempDirectory: z.string().optional(),
  })
  .strict();

const postgresWarehouse = z
  .object({
    type: z.literal('postgres'),
    /** A connection URL (`postgres://user@host:5432/db`) or its parts. */
    connection: z.union([
      z.string().min(1),
      z
        .object({
          host: z.string().default('127.0.0.1'),
          port: z.number().int().default(5432),
          user: z.string().optional(),
          password: secretRefSchema.optional(),
          database: z.string(),
          ssl: z.boolean().optional(),
        })
        .strict(),
    ]),
    /** Connections cdp may open (at least 2 are used: an identity build holds one for its session). */
    poolSize: z.number().int().positive().default(4),
  })
  .strict();

const bigqueryWarehouse = z
  .object({
    type: z.literal('bigquery'),
    /** The project jobs run (and are billed) in; `schema` names a dataset in it. */
    projectId: z.string().min(1),
    /** Where jobs run and new datasets are created (US, EU, europe-west1, ...). */
    location: z.string().optional(),
    /** A credentials JSON file, relative to the project; otherwise Application Default Credentials. */
    keyFilename: z.string().optional(),
    /** Custom API endpoint (emulators, tests). */
    apiEndpoint: z.string().url().optional(),
    /** Labels put on every job (lower-case letters, digits, `_`, `-`). */
    labels: z.record(z.string(), z.string()).optional(),
    /** Jobs that would bill more bytes than this fail instead of running (a cost guard). */
    maximumBytesBilled: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]).optional(),
    /** Jobs still running after this many seconds are cancelled (default 21600, BigQuery's own limit). */
    timeoutSeconds: z.number().int().positive().optional(),
  })
  .strict();

const snowflakeWarehouse = z
  .object({
    type: z.literal('snowflake'),
    /** Account identifier, e.g. `myorg-myaccount` (or a legacy locator like `xy12345.eu-west-1`). */
    account: z.string().min(1),
    username: z.string().min(1),
    /** Password authentication. */
    password: secretRefSchema.optional(),
    /** Key-pair authentication: a PEM private key file, relative to the project... */
    privateKeyPath: z.string().optional(),
    /** ...or the PEM text itself from a secret. */
    privateKey: secretRefSchema.optional(),
    /** Passphrase of an encrypted private key. */
    privateKeyPassphrase: secretRefSchema.optional(),
    role: z.string().optional(),
    /** The virtual warehouse statements run on. */
    warehouse: z.string().min(1),
    /** The database holding `schema` (and the model schema). */
    database: z.string().min(1),
    /** Custom access URL (tests, private link). */
    accessUrl: z.string().url().optional(),
    /** QUERY_TAG of every statement (the running step's labels are appended). */
    queryTag: z.string().optional(),
    /** Statements still running after this many seconds are cancelled by Snowflake (STATEMENT_TIMEOUT_IN_SECONDS). */
    timeoutSeconds: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const methods = [value.password, value.privateKeyPath, value.privateKey].filter((m) => m !== undefined).length;
    if (methods !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: methods === 0 ? ['password'] : ['privateKeyPath'],
        message: 'give exactly one of password, privateKeyPath or privateKey (key-pair authentication)',
      });
    }
  });

export const warehouseSchema = z.discriminatedUnion('type', [duckdbWarehouse, postgresWarehouse, bigqueryWarehouse, snowflakeWarehouse]);

export const stateSchema = z.discriminatedUnion('client', [
  z
    .object({ client: z.literal('better-sqlite3'), filename: z.string().default('.cdp/state.sqlite') })
    .strict(),
  z
    .object({
      client: z.literal('pg'),
      connection: z.string().min(1),
      /** Schema for the state tables, so one database can hold several projects. */
      schema: z.string().optional(),
    })
    .strict(),
]);

export const configSchema = z
  .object({
    warehouse: warehouseSchema.default({ type: 'duckdb', path: '.cdp/warehouse.duckdb' }),
    /** Schema (dataset) where generated tables go. */
    schema: nameSchema.default('cdp'),
    models: z
      .object({
        /** Folder of SQL models, relative to the project. */
        path: z.string().default('models'),
        /** Schema models are built in; defaults to `schema`. */
        schema: nameSchema.optional(),
        /**
         * A dbt manifest (target/manifest.json of a project dbt-core builds): `ref:<model>` in
         * relations resolves through it, and `cdp run` builds no models (dbt does).
         */
        manifest: z.string().optional(),
      })
      .strict()
      .default({ path: 'models' }),
    identity: identitySchema.optional(),
    profiles: profilesSchema.default({ traits: {} }),
    events: z.array(eventStreamSchema).default([]),
    audiences: z.object({ path: z.string().default('audiences') }).strict().default({ path: 'audiences' }),
    syncs: z.object({ path: z.string().default('syncs') }).strict().default({ path: 'syncs' }),
    state: stateSchema.default({ client: 'better-sqlite3', filename: '.cdp/state.sqlite' }),
    /**
     * Where destinations created over the API may send (docs/security.md): public addresses only,
     * plus these CIDRs, addresses or host names (`*.example.com`), each optionally with `:port`.
     * Destinations in git are reviewed code and are not limited.
     */
    network: z.object({ allow: z.array(z.string().min(1).max(256)).default([]) }).strict().default({ allow: [] }),
    /** File destinations created over the API write only under `root` (relative to the project). */
    files: z.object({ root: z.string().min(1).default('.cdp/files') }).strict().default({ root: '.cdp/files' }),
    /** Consent, PII tags and retention (see docs/privacy.md). */
    privacy: privacySchema.default({ consent: { sources: [], purposes: DEFAULT_PURPOSES }, pii: [], retentionDays: 30 }),
    /** Single sign-on (see docs/security.md). Password sign-in stays available. */
    auth: authSchema.optional(),
    /** Segment-compatible event collection (see docs/collect.md). */
    collect: collectSchema.optional(),
    /** Predictive traits (propensity, churn, ltv) trained and scored in the warehouse (see docs/predictions.md). */
    predictions: predictionsSchema.default({}),
    /** Who is told when syncs fail, deliver too little, stop running, or audiences jump (see docs/syncs.md). */
    alerts: alertsSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    // Scores become profile columns: they must not take the name of a trait.
    const traits = new Set(Object.keys(config.profiles.traits));
    for (const name of Object.keys(config.predictions)) {
      for (const column of [name, `${name}_percentile`]) {
        if (traits.has(column)) ctx.addIssue({ code: 'custom', path: ['predictions', name], message: `\`${column}\` is already a profile trait: give the prediction another name` });
      }
    }
  });

/** What a user writes (defaults optional). */
export type CdpConfigInput = z.input<typeof configSchema>;
/** What the code sees (defaults filled in). */
export type CdpConfig = z.output<typeof configSchema>;
export type WarehouseConfig = z.output<typeof warehouseSchema>;
export type StateConfig = z.output<typeof stateSchema>;
