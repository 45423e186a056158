import { createRequire } from 'node:module';
import type * as SnowflakeSdkModule from 'snowflake-sdk';
import type { Connection, RowStatement, SnowflakeError } from 'snowflake-sdk';
import { CdpError } from '../../errors.js';
import { getDialect } from '../dialects/index.js';
import { dottedPath } from '../dialects/paths.js';
import { foldSnowflakeName, SNOWFLAKE_HELPER_SCHEMA, unfoldSnowflakeName } from '../dialects/snowflake.js';
import type { Dialect } from '../dialects/types.js';
import { currentQueryLabels } from '../labels.js';
import { ConnectionPool } from '../pool.js';
import type { ColumnDef, ColumnInfo, HeldSession, Params, RelationInfo, RelationRef, Row, Warehouse, WarehouseSession } from '../types.js';
import { jaroWinklerJs } from './js-udfs.js';
import { STAGE_FILE_FORMAT, writeStageFiles } from './snowflake-stage-files.js';
import { inTransaction } from './transaction.js';
import { normalizeSnowflakeRow, snowflakeTypeName, toBind, type SnowflakeBind } from './snowflake-values.js';

// snowflake-sdk is CommonJS; loading it lazily keeps its start-up cost off other engines' paths.
type SnowflakeSdk = typeof SnowflakeSdkModule;
let sdk: SnowflakeSdk | undefined;
function loadSdk(): SnowflakeSdk {
  if (!sdk) {
    sdk = createRequire(import.meta.url)('snowflake-sdk') as SnowflakeSdk;
    sdk.configure({ logLevel: 'ERROR', additionalLogToConsole: false });
  }
  return sdk;
}

export interface SnowflakeOptions {
  account: string;
  username: string;
  password?: string;
  /** PEM private key text (key-pair authentication)... */
  privateKey?: string;
  /** ...or the path of a PEM file. */
  privateKeyPath?: string;
  privateKeyPassphrase?: string;
  role?: string;
  warehouse: string;
  database: string;
  /** Another URL than https://<account>.snowflakecomputing.com (private link, tests). */
  accessUrl?: string;
  /** QUERY_TAG of every statement; the running step's labels are added as JSON. */
  queryTag?: string;
  /** Sets STATEMENT_TIMEOUT_IN_SECONDS: Snowflake cancels statements running longer. */
  timeoutSeconds?: number;
  /** Sessions opened at most (statements of one transaction share one). Default 4. */
  poolSize?: number;
}

/** A session, connected on first use. */
class LazySession {
  private connecting: Promise<Connection> | undefined;

  constructor(private readonly options: SnowflakeOptions) {}

  connection(): Promise<Connection> {
    this.connecting ??= this.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async connect(): Promise<Connection> {
    const o = this.options;
    const keyPair = o.privateKey !== undefined || o.privateKeyPath !== undefined;
    const connection = loadSdk().createConnection({
      account: o.account,
      username: o.username,
      ...(keyPair
        ? {
            authenticator: 'SNOWFLAKE_JWT',
            ...(o.privateKey !== undefined ? { privateKey: o.privateKey } : { privateKeyPath: o.privateKeyPath }),
            ...(o.privateKeyPassphrase !== undefined ? { privateKeyPass: o.privateKeyPassphrase } : {}),
          }
        : { password: o.password }),
      ...(o.role ? { role: o.role } : {}),
      warehouse: o.warehouse,
      database: o.database,
      ...(o.accessUrl ? { accessUrl: o.accessUrl } : {}),
      application: 'cdp',
      jsTreatIntegerAsBigInt: true,
      // Rows buffered by streamRows(): the default (10) makes a 100k-row stream mostly overhead.
      rowStreamHighWaterMark: 1024,
    });
    // connectAsync reports a refused sign-in only to its callback.
    await new Promise<void>((resolve, reject) => {
      connection.connectAsync((error) => (error ? reject(wrapError(error, 'connect')) : resolve())).catch((error: unknown) => reject(wrapError(error, 'connect')));
    });
    // UTC sessions: CURRENT_TIMESTAMP and TIMESTAMP_LTZ agree with the UTC TIMESTAMP_NTZ values we keep.
    const settings = [`TIMEZONE = 'UTC'`, ...(o.timeoutSeconds ? [`STATEMENT_TIMEOUT_IN_SECONDS = ${o.timeoutSeconds}`] : [])];
    await run(connection, `ALTER SESSION SET ${settings.join(', ')}`, [], undefined);
    return connection;
  }

  async close(): Promise<void> {
    if (!this.connecting) return;
    const connection = await this.connecting.catch(() => undefined);
    this.connecting = undefined;
    if (connection?.isUp()) await new Promise<void>((resolve) => connection.destroy(() => resolve()));
  }
}

/**
 * Snowflake through snowflake-sdk. Statements run on a small pool of sessions; results stream
 * with statement.streamRows(). Names follow Snowflake's case rule (see foldSnowflakeName): our
 * lower-case names are upper-case objects in Snowflake and read back lower-case.
 *
 * Transactions: statements run between BEGIN and COMMIT on one session; note that Snowflake
 * commits implicitly before and after each DDL statement (CREATE, DROP, ALTER), so only DML
 * (INSERT, MERGE, UPDATE, DELETE) is rolled back together. CREATE OR REPLACE TABLE is atomic.
 */
export class SnowflakeWarehouse implements Warehouse {
  readonly type = 'snowflake' as const;
  readonly dialect: Dialect = getDialect('snowflake');
  private helpersReady: Promise<void> | undefined;

  private constructor(
    private readonly options: SnowflakeOptions,
    private readonly sessions: LazySession[],
    private readonly pool: ConnectionPool<LazySession>,
  ) {}

  /** Sessions are opened on first use. */
  static open(options: SnowflakeOptions): SnowflakeWarehouse {
    const sessions = Array.from({ length: Math.max(1, options.poolSize ?? 4) }, () => new LazySession(options));
    return new SnowflakeWarehouse(options, sessions, new ConnectionPool(sessions));
  }

  execute(sql: string, params?: Params): Promise<number | undefined> {
    return this.pool.use(async (session) => this.executeOn(await session.connection(), sql, params));
  }

  query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.pool.use(async (session) => this.queryOn<T>(await session.connection(), sql, params));
  }

  async *stream(sql: string, options: { params?: Params; batchSize?: number } = {}): AsyncIterable<Row[]> {
    const batchSize = options.batchSize ?? 10_000;
    await this.ensureHelpers(sql);
    // Hold one session for the life of the stream; the iterator's return() releases it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let session!: LazySession;
    await new Promise<void>((resolve) => {
      void this.pool.use(async (s) => {
        session = s;
        resolve();
        await released;
      });
    });
    try {
      const connection = await session.connection();
      let failure: unknown;
      const statement = connection.execute({
        sqlText: sql,
        ...(options.params?.length ? { binds: options.params.map(toBind) } : {}),
        streamResult: true,
        ...this.statementParameters(),
        complete: (error) => {
          if (error) failure = error;
        },
      }) as RowStatement;
      const rows = statement.streamRows();
      let batch: Row[] = [];
      try {
        for await (const row of rows) {
          batch.push(normalizeSnowflakeRow(row as Record<string, unknown>));
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      } catch (error) {
        throw wrapError(failure ?? error, sql);
      }
      if (failure) throw wrapError(failure, sql);
      if (batch.length) yield batch;
    } finally {
      release();
    }
  }

  async transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    return this.pool.use(async (lazy) => {
      const connection = await lazy.connection();
      const session: WarehouseSession = {
        dialect: this.dialect,
        execute: (sql, params) => this.executeOn(connection, sql, params),
        query: <R extends Row = Row>(sql: string, params?: Params) => this.queryOn<R>(connection, sql, params),
      };
      return inTransaction((sql) => session.execute(sql), () => work(session));
    });
  }

  /** No temporary tables in the dialect (scratch tables are regular ones): no connection to hold. */
  async withSession<T>(work: (session: HeldSession) => Promise<T>): Promise<T> {
    return work(this);
  }

  async listRelations(schema: string): Promise<RelationInfo[]> {
    const { infoSchema, schemaName } = this.catalogOf(schema);
    const rows = await this.query<{ name: string; table_type: string }>(
      `SELECT TABLE_NAME AS "name", TABLE_TYPE AS "table_type" FROM ${infoSchema}.TABLES WHERE TABLE_SCHEMA = :1 ORDER BY TABLE_NAME`,
      [schemaName],
    );
    return rows.map((r) => ({ schema, name: unfoldSnowflakeName(r.name), kind: /VIEW/.test(r.table_type) ? ('view' as const) : ('table' as const) }));
  }

  async listColumns(relation: RelationRef): Promise<ColumnInfo[]> {
    const { infoSchema, schemaName } = this.catalogOf(relation.schema);
    const rows = await this.query<{ name: string; data_type: string; precision: unknown; scale: unknown }>(
      `SELECT COLUMN_NAME AS "name", DATA_TYPE AS "data_type", NUMERIC_PRECISION AS "precision", NUMERIC_SCALE AS "scale"
       FROM ${infoSchema}.COLUMNS WHERE TABLE_SCHEMA = :1 AND TABLE_NAME = :2 ORDER BY ORDINAL_POSITION`,
      [schemaName, foldSnowflakeName(relation.name)],
    );
    return rows.map((r) => {
      const type = snowflakeTypeName(r.data_type, r.precision, r.scale);
      return { name: unfoldSnowflakeName(r.name), type, kind: this.dialect.columnKind(type) };
    });
  }

  async relationExists(relation: RelationRef): Promise<boolean> {
    const { infoSchema, schemaName } = this.catalogOf(relation.schema);
    const rows = await this.query(`SELECT 1 AS "x" FROM ${infoSchema}.TABLES WHERE TABLE_SCHEMA = :1 AND TABLE_NAME = :2`, [
      schemaName,
      foldSnowflakeName(relation.name),
    ]);
    return rows.length > 0;
  }

  async createSchema(schema: string): Promise<void> {
    const parts = dottedPath({ schema, name: '_' }).slice(0, -1);
    await this.execute(`CREATE SCHEMA IF NOT EXISTS ${parts.map((p) => this.dialect.quoteIdent(p)).join('.')}`);
  }

  /**
   * Snowflake's bulk path: the rows go to gzip'ed CSV files (snowflake-stage-files.ts), PUT to
   * the table stage of a staging table, COPY INTO it (the files are purged once loaded), then one
   * CREATE OR REPLACE TABLE ... AS SELECT swaps them in atomically. COPY must report every row
   * loaded, or the load fails and the previous table stays.
   */
  async loadTable(relation: RelationRef, columns: readonly ColumnDef[], rows: AsyncIterable<readonly unknown[][]> | Iterable<readonly unknown[][]>): Promise<number> {
    const d = this.dialect;
    await this.createSchema(relation.schema);
    const staged = { schema: relation.schema, name: `${relation.name}__cdp_load` };
    // JSON arrives as text and is parsed in the final SELECT.
    const stagedType = (c: ColumnDef) => (c.kind === 'json' ? 'VARCHAR' : d.typeName(c.kind));
    await this.execute(`CREATE OR REPLACE TABLE ${d.relation(staged)} (${columns.map((c) => `${d.quoteIdent(c.name)} ${stagedType(c)}`).join(', ')})`);
    const files = await writeStageFiles(columns, rows);
    try {
      if (files.rows > 0) await this.copyIntoStaged(staged, files.dir, files.rows);
      const select = columns.map((c) => (c.kind === 'json' ? `PARSE_JSON(${d.quoteIdent(c.name)}) AS ${d.quoteIdent(c.name)}` : d.quoteIdent(c.name))).join(', ');
      await this.execute(`CREATE OR REPLACE TABLE ${d.relation(relation)} AS SELECT ${select} FROM ${d.relation(staged)}`);
      return files.rows;
    } finally {
      await files.remove();
      await this.execute(`DROP TABLE IF EXISTS ${d.relation(staged)}`).catch(() => undefined);
    }
  }

  /** PUT the folder's files to the staging table's own stage (`@schema.%table`), then COPY them in. */
  private async copyIntoStaged(staged: RelationRef, dir: string, expected: number): Promise<void> {
    const d = this.dialect;
    const parts = dottedPath(staged);
    const stage = `@${[...parts.slice(0, -1).map((p) => d.quoteIdent(p)), `%${d.quoteIdent(parts.at(-1)!)}`].join('.')}`;
    const glob = `file://${dir.replaceAll('\\', '/')}/*`;
    await this.pool.use(async (session) => {
      const connection = await session.connection();
      await run(connection, `PUT '${glob}' ${stage} AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = GZIP PARALLEL = 4 OVERWRITE = TRUE`, [], this.statementParameters());
      const { rows } = await run(connection, `COPY INTO ${d.relation(staged)} FROM ${stage} ${STAGE_FILE_FORMAT} ON_ERROR = ABORT_STATEMENT PURGE = TRUE`, [], this.statementParameters());
      const loaded = rows.reduce((sum, r) => sum + Number(r.rows_loaded ?? r.ROWS_LOADED ?? 0), 0);
      if (loaded !== expected) {
        throw new CdpError('WAREHOUSE', `Snowflake loaded ${loaded} of ${expected} rows into ${d.relation(staged)}`, {
          hint: 'COPY INTO reported fewer rows than were written; the previous table is kept. Check the stage and the COPY history (COPY_HISTORY) for rejected files.',
        });
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()));
  }

  // ---- internals ----

  /** INFORMATION_SCHEMA of the schema's database, and the schema's name as stored. */
  private catalogOf(schema: string): { infoSchema: string; schemaName: string } {
    const parts = dottedPath({ schema, name: '_' }).slice(0, -1);
    const schemaName = foldSnowflakeName(parts.at(-1)!);
    const infoSchema = parts.length > 1 ? `${this.dialect.quoteIdent(parts[0]!)}.INFORMATION_SCHEMA` : 'INFORMATION_SCHEMA';
    return { infoSchema, schemaName };
  }

  /**
   * Statement parameters: QUERY_TAG, as snowflake-sdk itself sends a connection's queryTag. With
   * labels of the running step it is JSON: `{"tag":"<queryTag>","model":"stg_orders"}`.
   */
  private statementParameters(): { parameters?: Record<string, string> } {
    const labels = currentQueryLabels();
    const base = this.options.queryTag;
    if (!Object.keys(labels).length) return base ? { parameters: { QUERY_TAG: base } } : {};
    const tag = JSON.stringify({ ...(base ? { tag: base } : {}), ...labels });
    return { parameters: { QUERY_TAG: tag.slice(0, 2000) } };
  }

  private async executeOn(connection: Connection, sql: string, params?: Params): Promise<number | undefined> {
    await this.ensureHelpers(sql, connection);
    const { statement } = await run(connection, sql, (params ?? []).map(toBind), this.statementParameters());
    const updated = statement.getNumUpdatedRows();
    return updated === undefined || updated < 0 ? undefined : updated;
  }

  private async queryOn<T extends Row>(connection: Connection, sql: string, params?: Params): Promise<T[]> {
    await this.ensureHelpers(sql, connection);
    const { rows } = await run(connection, sql, (params ?? []).map(toBind), this.statementParameters());
    return rows.map((row) => normalizeSnowflakeRow(row) as T);
  }

  /**
   * Creates the helper UDFs the first time a statement calls one, on the caller's session when it
   * holds one (so a pool of one session cannot deadlock).
   */
  private ensureHelpers(sql: string, held?: Connection): Promise<void> {
    const schema = this.dialect.quoteIdent(SNOWFLAKE_HELPER_SCHEMA);
    if (!sql.includes(`${schema}.`)) return Promise.resolve();
    const onSession = <T>(work: (connection: Connection) => Promise<T>) => (held ? work(held) : this.pool.use(async (session) => work(await session.connection())));
    this.helpersReady ??= onSession(async (connection) => {
      await run(connection, `CREATE SCHEMA IF NOT EXISTS ${schema}`, [], undefined);
      await run(
        connection,
        `CREATE OR REPLACE FUNCTION ${schema}.JARO_WINKLER(A VARCHAR, B VARCHAR) RETURNS FLOAT LANGUAGE JAVASCRIPT RETURNS NULL ON NULL INPUT IMMUTABLE AS $$${jaroWinklerJs('A', 'B')}$$`,
        [],
        undefined,
      );
    }).catch((error: unknown) => {
      this.helpersReady = undefined;
      throw error;
    });
    return this.helpersReady;
  }
}

/** Runs one statement and reads its (small) result. `binds` may be rows of binds (array binding). */
function run(
  connection: Connection,
  sql: string,
  binds: SnowflakeBind[] | SnowflakeBind[][],
  extra: { parameters?: Record<string, string> } | undefined,
): Promise<{ statement: RowStatement; rows: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText: sql,
      ...(binds.length ? { binds } : {}),
      ...(extra ?? {}),
      complete: (error: SnowflakeError | undefined, statement, rows) => {
        if (error) reject(wrapError(error, sql));
        else resolve({ statement: statement as RowStatement, rows: (rows ?? []) as Array<Record<string, unknown>> });
      },
    });
  });
}

/** Snowflake's error codes for sign-in problems (390xxx) get a hint about the credentials. */
function wrapError(error: unknown, sql: string): CdpError {
  if (error instanceof CdpError) return error;
  const e = error as { message?: string; code?: string | number; sqlState?: string };
  const code = String(e.code ?? '');
  const message = e.message ?? String(error);
  let hint = `while running: ${sql.replace(/\s+/g, ' ').slice(0, 200)}`;
  if (/^390/.test(code) || /authenticat|password|JWT/i.test(message)) {
    hint = 'check warehouse.username and the password or private key (and that the public key is set on the user: ALTER USER ... SET RSA_PUBLIC_KEY)';
  } else if (code === '000630') {
    hint = 'the statement ran longer than warehouse.timeoutSeconds; raise it or use a bigger virtual warehouse';
  } else if (code === '002003') {
    hint = `an object does not exist or the role cannot see it (names are case-sensitive unless all lower case): ${hint}`;
  }
  return new CdpError('WAREHOUSE', `Snowflake${code ? ` ${code}` : ''}: ${message}`, { cause: error, hint });
}
