import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { BigQuery, type Job } from '@google-cloud/bigquery';
import { CdpError } from '../../errors.js';
import { logger } from '../../logger.js';
import { BIGQUERY_HELPER_DATASET } from '../dialects/bigquery.js';
import { getDialect } from '../dialects/index.js';
import { dottedPath } from '../dialects/paths.js';
import type { Dialect } from '../dialects/types.js';
import { currentQueryLabels } from '../labels.js';
import type { ColumnDef, ColumnInfo, HeldSession, Params, RelationInfo, RelationRef, Row, Warehouse, WarehouseSession } from '../types.js';
import { fieldTypeName, loadSchema, ndjsonLine, parseRows, queryParameters, type BigQueryField } from './bigquery-values.js';
import { jaroWinklerJs } from './js-udfs.js';

export interface BigQueryOptions {
  projectId: string;
  /** Where jobs run and datasets are created (e.g. `US`, `EU`, `europe-west1`). */
  location?: string;
  /** A credentials JSON file (service account, external account...); otherwise Application Default Credentials. */
  keyFilename?: string;
  /** Another API root than https://bigquery.googleapis.com (emulators, tests). */
  apiEndpoint?: string;
  /** Labels on every job, merged with the labels of the running step (`withQueryLabels`). */
  labels?: Record<string, string>;
  /** Jobs that would bill more bytes than this fail instead of running. */
  maximumBytesBilled?: string;
  /** A job still running after this long is cancelled and fails (default 6 hours, BigQuery's own limit). */
  timeoutSeconds?: number;
  /** Rows per result page fetched by `query` (default 10,000). */
  pageSize?: number;
}

interface ApiError {
  code?: number;
  message: string;
  errors?: Array<{ message?: string; reason?: string }>;
}

interface QueryResultsResponse {
  jobComplete?: boolean;
  schema?: { fields?: BigQueryField[] };
  rows?: Array<{ f: Array<{ v: unknown }> }>;
  pageToken?: string;
  totalRows?: string;
  numDmlAffectedRows?: string;
}

type Page = { rows: Row[]; response: QueryResultsResponse };

const DEFAULT_TIMEOUT_SECONDS = 6 * 3600;
const DEFAULT_PAGE_SIZE = 10_000;

/**
 * BigQuery through @google-cloud/bigquery. Every statement is a query job (labelled for cost
 * tracing); results are read page by page with getQueryResults. Schema reads use the tables API
 * (free, no job). A schema is a dataset; `project.dataset` reads another project's dataset.
 *
 * Transactions: BigQuery has no multi-statement transactions over DDL, so `transaction` runs the
 * statements in order, each atomic on its own (CREATE OR REPLACE TABLE swaps a table atomically).
 */
export class BigQueryWarehouse implements Warehouse {
  readonly type = 'bigquery' as const;
  readonly dialect: Dialect = getDialect('bigquery');
  private helpersReady: Promise<void> | undefined;

  private constructor(
    private readonly client: BigQuery,
    private readonly options: BigQueryOptions,
  ) {}

  /** Creates the client; nothing is sent until the first statement. */
  static open(options: BigQueryOptions): BigQueryWarehouse {
    const client = new BigQuery({
      projectId: options.projectId,
      location: options.location,
      ...(options.keyFilename ? { keyFilename: options.keyFilename } : {}),
      ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
    });
    return new BigQueryWarehouse(client, options);
  }

  async execute(sql: string, params?: Params): Promise<number | undefined> {
    const { response } = await this.run(sql, params, 0);
    return response.numDmlAffectedRows === undefined ? undefined : Number(response.numDmlAffectedRows);
  }

  async query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const rows: Row[] = [];
    for await (const page of this.pages(sql, params, this.options.pageSize ?? DEFAULT_PAGE_SIZE)) rows.push(...page);
    return rows as T[];
  }

  async *stream(sql: string, options: { params?: Params; batchSize?: number } = {}): AsyncIterable<Row[]> {
    for await (const page of this.pages(sql, options.params, options.batchSize ?? DEFAULT_PAGE_SIZE)) {
      if (page.length) yield page;
    }
  }

  async transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    return work(this);
  }

  /** No temporary tables in the dialect (scratch tables are regular ones): no connection to hold. */
  async withSession<T>(work: (session: HeldSession) => Promise<T>): Promise<T> {
    return work(this);
  }

  /** Bytes the statement would process (and bill), from a dry run: nothing runs, nothing is billed. */
  async dryRun(sql: string, params?: Params): Promise<{ bytesProcessed: number }> {
    try {
      const [job] = await this.client.createQueryJob({ ...this.jobOptions(sql, params), dryRun: true });
      const statistics = (job.metadata as { statistics?: { totalBytesProcessed?: string } }).statistics;
      return { bytesProcessed: Number(statistics?.totalBytesProcessed ?? 0) };
    } catch (error) {
      throw wrapError(error, sql);
    }
  }

  async listRelations(schema: string): Promise<RelationInfo[]> {
    try {
      const [tables] = await this.dataset(schema).getTables({ autoPaginate: true });
      return tables
        .map((table) => ({ schema, name: table.id!, kind: /VIEW/.test(String((table.metadata as { type?: string }).type)) ? ('view' as const) : ('table' as const) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      if ((error as ApiError).code === 404) return [];
      throw wrapError(error, `list tables of ${schema}`);
    }
  }

  async listColumns(relation: RelationRef): Promise<ColumnInfo[]> {
    try {
      const [metadata] = await this.table(relation).getMetadata();
      const fields = ((metadata as { schema?: { fields?: BigQueryField[] } }).schema?.fields ?? []) as BigQueryField[];
      return fields.map((field) => {
        const type = fieldTypeName(field);
        return { name: field.name, type, kind: this.dialect.columnKind(type) };
      });
    } catch (error) {
      if ((error as ApiError).code === 404) return [];
      throw wrapError(error, `read the schema of ${relation.schema}.${relation.name}`);
    }
  }

  async relationExists(relation: RelationRef): Promise<boolean> {
    try {
      await this.table(relation).getMetadata();
      return true;
    } catch (error) {
      if ((error as ApiError).code === 404) return false;
      throw wrapError(error, `look up ${relation.schema}.${relation.name}`);
    }
  }

  async createSchema(schema: string): Promise<void> {
    try {
      await this.dataset(schema).create({ ...(this.options.location ? { location: this.options.location } : {}) });
    } catch (error) {
      if ((error as ApiError).code === 409) return; // already exists
      throw wrapError(error, `create dataset ${schema}`);
    }
  }

  /**
   * A load job of newline-delimited JSON: rows are written to a temp file as they arrive, then
   * loaded in one job with WRITE_TRUNCATE, which replaces the table (schema and rows) atomically.
   * One file per load: fine up to several GB; beyond that, stage files in Cloud Storage yourself.
   * (Load jobs are free; the upload API takes no job labels.)
   */
  async loadTable(relation: RelationRef, columns: readonly ColumnDef[], rows: AsyncIterable<readonly unknown[][]> | Iterable<readonly unknown[][]>): Promise<number> {
    await this.createSchema(relation.schema);
    const dir = await mkdtemp(join(tmpdir(), 'cdp-bq-load-'));
    const file = join(dir, 'rows.json');
    // The caller's rows failing is the caller's error, passed on as it is (as every adapter does).
    let sourceError: unknown;
    try {
      const out = createWriteStream(file);
      let count = 0;
      for await (const batch of readingSource(rows, (error) => (sourceError = error))) {
        const text = batch.map((row) => ndjsonLine(columns, row)).join('\n');
        if (!batch.length) continue;
        if (!out.write((count ? '\n' : '') + text)) await once(out, 'drain');
        count += batch.length;
      }
      out.end();
      await once(out, 'finish');
      const [job] = await this.table(relation).createLoadJob(file, {
        sourceFormat: 'NEWLINE_DELIMITED_JSON',
        schema: { fields: loadSchema(columns, (kind) => this.dialect.typeName(kind)) },
        writeDisposition: 'WRITE_TRUNCATE',
        createDisposition: 'CREATE_IF_NEEDED',
      });
      await this.waitForJob(job, `load ${relation.schema}.${relation.name}`);
      return count;
    } catch (error) {
      if (error instanceof CdpError || (sourceError !== undefined && error === sourceError)) throw error;
      throw wrapError(error, `load ${relation.schema}.${relation.name}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {}

  // ---- internals ----

  private dataset(schema: string) {
    const parts = dottedPath({ schema, name: '_' }).slice(0, -1);
    const datasetId = parts.at(-1)!;
    const projectId = parts.length > 1 ? parts[0] : undefined;
    return this.client.dataset(datasetId, { ...(projectId ? { projectId } : {}), ...(this.options.location ? { location: this.options.location } : {}) });
  }

  private table(relation: RelationRef) {
    return this.dataset(relation.schema).table(relation.name);
  }

  /** Job labels: config labels, then the running step's (keys and values as BigQuery allows them). */
  private labels(): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...this.options.labels, ...currentQueryLabels() })) {
      const k = labelText(key);
      if (/^[a-z]/.test(k)) labels[k] = labelText(value);
    }
    return labels;
  }

  private jobOptions(sql: string, params?: Params) {
    return {
      query: sql,
      useLegacySql: false,
      ...(params?.length ? { parameterMode: 'NAMED', queryParameters: queryParameters(params) } : {}),
      ...(this.options.maximumBytesBilled ? { maximumBytesBilled: this.options.maximumBytesBilled } : {}),
      jobTimeoutMs: (this.options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
      labels: this.labels(),
      ...(this.options.location ? { location: this.options.location } : {}),
    };
  }

  /** Creates the helper UDFs the first time a statement calls one. */
  private ensureHelpers(sql: string): Promise<void> {
    if (!sql.includes(`\`${BIGQUERY_HELPER_DATASET}\`.`)) return Promise.resolve();
    this.helpersReady ??= (async () => {
      await this.createSchema(BIGQUERY_HELPER_DATASET);
      const body = jaroWinklerJs('a', 'b');
      await this.run(
        `CREATE OR REPLACE FUNCTION \`${BIGQUERY_HELPER_DATASET}\`.jaro_winkler(a STRING, b STRING) RETURNS FLOAT64 LANGUAGE js AS r"""${body}"""`,
        undefined,
        0,
        false,
      );
    })().catch((error) => {
      this.helpersReady = undefined;
      throw error;
    });
    return this.helpersReady;
  }

  /** Starts a query job and waits for its first page (of `maxResults` rows). */
  private async run(sql: string, params: Params | undefined, maxResults: number, helpers = true): Promise<{ job: Job } & Page> {
    if (helpers) await this.ensureHelpers(sql);
    let job: Job;
    try {
      [job] = await this.client.createQueryJob(this.jobOptions(sql, params));
    } catch (error) {
      throw wrapError(error, sql);
    }
    const deadline = Date.now() + (this.options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
    for (;;) {
      const page = await this.page(job, sql, { maxResults });
      if (page.response.jobComplete !== false) return { job, ...page };
      if (Date.now() > deadline) await this.cancelAfterTimeout(job, sql);
    }
  }

  private async *pages(sql: string, params: Params | undefined, pageSize: number): AsyncIterable<Row[]> {
    const first = await this.run(sql, params, pageSize);
    yield first.rows;
    let token = first.response.pageToken;
    while (token) {
      const next = await this.page(first.job, sql, { maxResults: pageSize, pageToken: token });
      yield next.rows;
      token = next.response.pageToken;
    }
  }

  private async page(job: Job, sql: string, options: { maxResults: number; pageToken?: string }): Promise<Page> {
    try {
      const [rows, , response] = (await job.getQueryResults({ ...options, autoPaginate: false, skipParsing: true })) as unknown as [
        Array<{ f: Array<{ v: unknown }> }>,
        unknown,
        QueryResultsResponse,
      ];
      return { rows: response.schema?.fields ? parseRows(response.schema.fields, rows ?? []) : [], response };
    } catch (error) {
      throw wrapError(error, sql);
    }
  }

  /** Waits for a (load) job to finish: jobs.get until DONE, within the timeout. */
  private async waitForJob(job: Job, what: string): Promise<void> {
    const deadline = Date.now() + (this.options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
    let delay = 100;
    for (;;) {
      const [metadata] = await job.getMetadata();
      const status = (metadata as { status?: { state?: string; errorResult?: ApiError; errors?: ApiError[] } }).status;
      if (status?.state === 'DONE') {
        if (status.errorResult) throw wrapError({ ...status.errorResult, errors: status.errors }, what);
        return;
      }
      if (Date.now() > deadline) await this.cancelAfterTimeout(job, what);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }

  private async cancelAfterTimeout(job: Job, sql: string): Promise<never> {
    const seconds = this.options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    await job.cancel().catch((error: unknown) => logger.warn({ job: job.id, err: (error as Error).message }, 'could not cancel a timed-out BigQuery job'));
    throw new CdpError('WAREHOUSE', `BigQuery job ${job.id} did not finish within ${seconds}s and was cancelled`, {
      hint: `raise warehouse.timeoutSeconds or make the statement cheaper; it was: ${snippet(sql)}`,
    });
  }
}

/** Lower-case letters, digits, `_` and `-`, at most 63 characters: what BigQuery accepts in labels. */
function labelText(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 63);
}

function snippet(sql: string): string {
  return sql.replace(/\s+/g, ' ').slice(0, 200);
}

function wrapError(error: unknown, sql: string): CdpError {
  if (error instanceof CdpError) return error;
  const apiError = error as ApiError;
  const reasons = (apiError.errors ?? []).map((e) => e.reason).filter(Boolean);
  const message = apiError.message ?? String(error);
  const hint =
    apiError.code === 401 || apiError.code === 403 || reasons.includes('accessDenied')
      ? 'check the credentials (keyFilename or application default credentials) and their roles: BigQuery Job User on the project, BigQuery Data Editor on the datasets'
      : `while running: ${snippet(sql)}`;
  return new CdpError('WAREHOUSE', `BigQuery: ${message}`, { cause: error, hint });
}

/** The rows as they come, telling `onError` what the source itself threw. */
async function* readingSource<T>(rows: AsyncIterable<T> | Iterable<T>, onError: (error: unknown) => void): AsyncIterable<T> {
  try {
    yield* rows;
  } catch (error) {
    onError(error);
    throw error;
  }
}
