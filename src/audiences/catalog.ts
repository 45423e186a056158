import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { ColumnKind, RelationRef, Warehouse } from '../warehouse/index.js';

/** An identity source declared as an event stream: where its events are and how they are named. */
export interface EventStreamInfo {
  source: string;
  relation: RelationRef;
  key: string;
  timestamp: string;
  /** SQL expression over the relation's columns giving the event name. */
  nameSql: string;
  /** Set when `nameSql` is a constant string (`'order_completed'`): no filter needed. */
  constantName?: string;
  /** The relation's columns: the events' properties. */
  columns: ReadonlyMap<string, ColumnKind>;
}

/** What audience conditions can refer to, read from the config and the warehouse catalog. */
export interface AudienceCatalog {
  profiles: RelationRef;
  resolvedRecords: RelationRef;
  /** profiles' columns and their kinds. */
  traits(): Promise<ReadonlyMap<string, ColumnKind>>;
  /** event name -> the streams it occurs in. */
  events(): Promise<ReadonlyMap<string, readonly EventStreamInfo[]>>;
}

/**
 * Catalogs are cached until the next build (`refreshAudienceCatalog`), and at most this long (a
 * table changed outside the process): previews in the UI call this on every keystroke, and under
 * load a catalog lookup waits behind every count queued for a warehouse connection.
 */
const CACHE_MS = 10 * 60_000;
const cache = new WeakMap<Project, { at: number; catalog: AudienceCatalog }>();
/** Per project: bumped whenever its tables may have changed (a build, an outside build noticed). */
const generations = new WeakMap<Project, number>();

export function audienceCatalog(project: Project): AudienceCatalog {
  const cached = cache.get(project);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.catalog;
  const catalog = buildCatalog(project);
  cache.set(project, { at: Date.now(), catalog });
  return catalog;
}

/**
 * Forgets cached columns and event names, and marks the project's data as changed (after a run
 * changed the tables): results cached against the previous `audienceDataGeneration` are stale.
 */
export function refreshAudienceCatalog(project: Project): void {
  cache.delete(project);
  generations.set(project, audienceDataGeneration(project) + 1);
}

/** Changes whenever `refreshAudienceCatalog` runs: what cached counts and previews are valid for. */
export function audienceDataGeneration(project: Project): number {
  return generations.get(project) ?? 0;
}

function buildCatalog(project: Project): AudienceCatalog {
  const profiles = { schema: project.schema, name: 'profiles' };
  const resolvedRecords = { schema: project.schema, name: 'resolved_records' };
  let traits: Promise<ReadonlyMap<string, ColumnKind>> | undefined;
  let events: Promise<ReadonlyMap<string, readonly EventStreamInfo[]>> | undefined;
  const forget = <T>(promise: Promise<T>): Promise<T> =>
    promise.catch((error: unknown) => {
      if (cache.get(project)?.catalog === catalog) cache.delete(project); // a failure (table not built yet) must not stick
      throw error;
    });
  const catalog: AudienceCatalog = {
    profiles,
    resolvedRecords,
    traits: () => (traits ??= forget(loadTraits(project, profiles))),
    events: () => (events ??= forget(loadEvents(project))),
  };
  return catalog;
}

async function loadTraits(project: Project, profiles: RelationRef): Promise<ReadonlyMap<string, ColumnKind>> {
  const warehouse = await project.warehouse();
  const columns = await warehouse.listColumns(profiles);
  if (columns.length === 0) {
    throw new CdpError('NOT_FOUND', `the profiles table ${profiles.schema}.profiles does not exist yet`, {
      hint: 'run `cdp run` to build identity and profiles first',
    });
  }
  return new Map(columns.map((c) => [c.name, c.kind]));
}

async function loadEvents(project: Project): Promise<ReadonlyMap<string, readonly EventStreamInfo[]>> {
  const warehouse = await project.warehouse();
  const sources = project.config.identity?.sources ?? [];
  const byName = new Map<string, EventStreamInfo[]>();
  await Promise.all(
    project.config.events.map(async (declared, index) => {
      const source = sources.find((s) => s.name === declared.source);
      if (!source) {
        throw new CdpError('CONFIG_INVALID', `event stream source \`${declared.source}\` is not an identity source`, {
          location: { file: project.configFile, path: `events[${index}].source` },
          hint: `declare it under identity.sources or use one of: ${sources.map((s) => s.name).join(', ') || '(none)'}`,
        });
      }
      const relation = project.relation(source.relation);
      const columns = await warehouse.listColumns(relation);
      if (columns.length === 0) {
        throw new CdpError('NOT_FOUND', `the event relation ${relation.schema}.${relation.name} (source \`${source.name}\`) does not exist`, {
          hint: 'run `cdp run` to build the models first',
        });
      }
      const constantName = constantString(declared.name);
      const stream: EventStreamInfo = {
        source: source.name,
        relation,
        key: source.key,
        timestamp: source.timestamp,
        nameSql: declared.name,
        constantName,
        columns: new Map(columns.map((c) => [c.name, c.kind])),
      };
      const names = constantName !== undefined ? [constantName] : await distinctNames(warehouse, stream);
      for (const name of names) {
        const list = byName.get(name) ?? [];
        list.push(stream);
        byName.set(name, list);
      }
    }),
  );
  // Stable order (config order) regardless of which query finished first.
  const order = new Map(project.config.events.map((e, i) => [e.source, i]));
  for (const list of byName.values()) list.sort((a, b) => order.get(a.source)! - order.get(b.source)!);
  return byName;
}

/** The event names a stream holds: one aggregate query (columnar engines read just the name columns). */
async function distinctNames(warehouse: Warehouse, stream: EventStreamInfo): Promise<string[]> {
  const d = warehouse.dialect;
  const rows = await warehouse.query<{ name: string | null }>(
    `SELECT DISTINCT ${d.cast(`(${stream.nameSql})`, 'string')} AS ${d.quoteIdent('name')} FROM ${d.relation(stream.relation)} ${d.limit(10_000)}`,
  );
  return rows.map((r) => r.name).filter((n): n is string => typeof n === 'string');
}

function constantString(sql: string): string | undefined {
  const match = /^\s*'((?:[^']|'')*)'\s*$/.exec(sql);
  return match ? match[1]!.replace(/''/g, "'") : undefined;
}
