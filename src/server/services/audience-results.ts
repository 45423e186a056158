import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { audienceDataGeneration, refreshAudienceCatalog } from '../../audiences/index.js';
import type { Project } from '../../project/index.js';
import { IdentityTables } from '../../identity/tables.js';
import { isEmbeddedEngine } from '../../warehouse/index.js';

export interface AudienceResultCacheOptions {
  /** Entries kept (least recently used go first). */
  maxEntries?: number;
  /**
   * Longest an entry is served (ms). Builds invalidate at once; this bounds what no build marks:
   * relative windows (`within_last`) moving on, a table changed by hand.
   */
  maxAgeMs?: number;
  /** How often the build marker (outside builds, erasures) is checked, at most (ms). */
  checkEveryMs?: number;
  now?: () => number;
}

interface Entry<T> {
  value: T;
  generation: number;
  at: number;
}

/**
 * Results of audience counts and previews, keyed by their compiled SQL, valid until the data
 * changes. The data's generation (`audienceDataGeneration`) is bumped by every build in this
 * process (`runProject` and the scheduler's model job) and by the build marker when it sees a
 * build or an erasure made elsewhere; a cached result of an older generation is never served.
 * A result computed while a build ran is stored under the generation its query started in, so it
 * is not served after that build. Identical work in flight is shared (one warehouse query).
 *
 * Values are stored as the warehouse returned them: callers mask PII per request, on the way out.
 */
export class AudienceResultCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly inFlight = new Map<string, Promise<T>>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** Warehouse queries started (misses that were not joined to one in flight): for tests and stats. */
  queries = 0;
  hits = 0;

  constructor(
    private readonly project: Project,
    options: AudienceResultCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 500;
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The cached result for `key`, or the shared result of `work` (stored unless `store` says no). */
  async get(key: string, work: () => Promise<T>, store: (value: T) => boolean = () => true): Promise<{ value: T; cached: boolean }> {
    const generation = audienceDataGeneration(this.project);
    const entry = this.entries.get(key);
    if (entry && entry.generation === generation && this.now() - entry.at < this.maxAgeMs) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.hits++;
      return { value: entry.value, cached: true };
    }
    if (entry) this.entries.delete(key);
    const flightKey = `${generation}\u0000${key}`;
    let running = this.inFlight.get(flightKey);
    if (!running) {
      this.queries++;
      const at = this.now();
      running = work()
        .then((value) => {
          if (store(value) && audienceDataGeneration(this.project) === generation) this.put(key, { value, generation, at });
          return value;
        })
        .finally(() => {
          if (this.inFlight.get(flightKey) === running) this.inFlight.delete(flightKey);
        });
      this.inFlight.set(flightKey, running);
    }
    return { value: await running, cached: false };
  }

  private put(key: string, entry: Entry<T>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Notices data changed by another process: a `cdp run` against the same state store and
 * warehouse (its model builds are recorded in `model_builds`, its identity builds in the
 * warehouse's `_identity_runs`), or a completed erasure (`privacy_requests`). Checked at most every
 * `checkEveryMs`, in the background of a lookup: the lookup is answered at once, and a changed
 * marker bumps the data generation (and refreshes the audience catalog) for the requests after it.
 * Builds in this process do not wait for it: they bump the generation themselves.
 *
 * The warehouse part is a one-row query on a small table; it is skipped for DuckDB, whose file only
 * this process can write while it is open (and whose few connections are busy with counts).
 */
export class BuildMarker {
  private last: string | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking: Promise<void> | undefined;
  private readonly checkEveryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly project: Project,
    private readonly knex: Knex,
    private readonly log: Logger,
    options: Pick<AudienceResultCacheOptions, 'checkEveryMs' | 'now'> = {},
  ) {
    this.checkEveryMs = options.checkEveryMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Starts a check when the last one is older than `checkEveryMs`; resolves when it is done. */
  poke(): Promise<void> {
    if (this.checking) return this.checking;
    if (this.now() - this.checkedAt < this.checkEveryMs) return Promise.resolve();
    this.checkedAt = this.now();
    this.checking = this.read()
      .then((marker) => {
        if (this.last !== undefined && marker !== this.last) {
          this.log.info({ marker }, 'data changed outside this process: cached audience counts dropped');
          refreshAudienceCatalog(this.project);
        }
        this.last = marker;
      })
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not read the build marker'))
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** One string that changes whenever a build or an erasure finished. */
  async read(): Promise<string> {
    const [builds, erasures, identity] = await Promise.all([
      this.knex('model_builds').max({ v: 'id' }).first(),
      this.knex('privacy_requests').where({ status: 'completed' }).max({ v: 'completed_at' }).count({ n: '*' }).first(),
      this.identityBuild(),
    ]);
    const value = (row: Record<string, unknown> | undefined, column: string) => String(row?.[column] ?? '');
    return [value(builds, 'v'), value(erasures, 'v'), value(erasures, 'n'), identity].join('|');
  }

  private async identityBuild(): Promise<string> {
    const warehouse = await this.project.warehouse();
    // An embedded warehouse is open in this process only: no other process builds into it, and
    // builds here refresh the cache directly.
    if (isEmbeddedEngine(warehouse.type)) return '';
    const d = warehouse.dialect;
    const runs = new IdentityTables(this.project.schema).state('runs');
    try {
      const rows = await warehouse.query<{ finished: unknown }>(`SELECT MAX(${d.quoteIdent('finished_at')}) AS ${d.quoteIdent('finished')} FROM ${d.relation(runs)}`);
      const at = rows[0]?.finished;
      return at instanceof Date ? at.toISOString() : String(at ?? '');
    } catch {
      return ''; // not built yet
    }
  }
}
