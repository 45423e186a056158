import type { Project } from '../project/index.js';
import type { Warehouse } from '../warehouse/index.js';
import { planFiltersFor } from './filters.js';
import { loadSync, type PreparedSync } from './load.js';
import { buildPlan, inspectSource, samplePlan, type PlanInput, type SourceStats } from './planner.js';
import type { RunSyncOptions, SyncRunResult } from './run-types.js';
import { openDestination, type DestinationSession } from './session.js';
import { mapColumns, resolveSyncRows } from './rows.js';
import { ensureStateTables } from './state.js';
import type { ValueShaping } from './values-sql.js';
import { parseBlocklistEntry } from '../identity/junk.js';
import { syncTables, type SyncTables } from './tables.js';

/** Everything a run needs before it touches the run history: checked, nothing sent yet. */
export interface PreparedRun {
  project: Project;
  sync: PreparedSync;
  session: DestinationSession;
  warehouse: Warehouse;
  tables: SyncTables;
  /** The plan's input but for its id. */
  planInput: Omit<PlanInput, 'planId'>;
  stats: SourceStats;
}

/**
 * The prepare step of a run: loads the definition, opens the destination (secrets resolved),
 * resolves the rows to send and their columns, and inspects them (a non-unique key is refused).
 * Every problem here is a CdpError thrown before anything is sent or recorded.
 */
export async function prepareRun(project: Project, sync: string | PreparedSync, options: RunSyncOptions): Promise<PreparedRun> {
  const prepared = typeof sync === 'string' ? await loadSync(project, sync) : sync;
  const { definition, destination } = prepared;
  const session = await openDestination(project, prepared, options);
  const warehouse = await project.warehouse();
  const tables = syncTables(project.schema, definition.name);
  await ensureStateTables(warehouse, tables);
  const source = await resolveSyncRows(project, warehouse, prepared, tables);
  const planInput = {
    warehouse,
    sync: prepared,
    source,
    columns: mapColumns(prepared, source),
    tables,
    full: options.full ?? false,
    filters: [...(await planFiltersFor(project, prepared)), ...(options.filters ?? [])],
    identityFields: destination.identityFields?.(prepared.config, Object.keys(definition.fields)) ?? [],
    keyInValues: destination.sendRowsJson ? definition.key : undefined,
    batchSize: session.batchSize,
    shaping: { catalog: destination.fields, formats: askedFormats(definition.fieldRules), identity: identityRules(project, prepared.config) },
  };
  const stats = await inspectSource(planInput);
  return { project, sync: prepared, session, warehouse, tables, planInput, stats };
}

/** A dry run: the plan's counts and a sample of its first ops; nothing sent, state untouched. */
export async function dryRun(run: PreparedRun, options: RunSyncOptions, started: number): Promise<SyncRunResult> {
  const { warehouse, planInput } = run;
  const { definition } = run.sync;
  const plan = await buildPlan({ ...planInput, planId: 'dry-run', dryRun: true }, run.stats);
  try {
    const sample = await samplePlan(warehouse, plan.table, options.sampleSize ?? 10);
    // The values carry the key for some destinations; the sample shows the mapped fields.
    if (planInput.keyInValues && !(planInput.keyInValues in definition.fields)) for (const row of sample) delete row.fields[planInput.keyInValues];
    return {
      runId: null,
      sync: definition.name,
      status: 'dry_run',
      plan: plan.counts,
      counts: { planned: plan.counts.total, sent: 0, ok: 0, rejected: 0, retryable: 0, retried: 0 },
      firstErrors: [],
      error: null,
      resumedPlan: null,
      planMs: plan.ms,
      sendMs: 0,
      foldMs: 0,
      seconds: (Date.now() - started) / 1000,
      sample,
    };
  } finally {
    await warehouse.execute(warehouse.dialect.dropRelation(plan.table, 'table'));
  }
}

/** The formats a sync file asks for (`{ column, as }` fields). */
function askedFormats(rules: PreparedSync['definition']['fieldRules']): ValueShaping['formats'] {
  const out: NonNullable<ValueShaping['formats']> = {};
  for (const [field, rule] of Object.entries(rules ?? {})) if ('as' in rule) out[field] = rule.as;
  return out;
}

/**
 * The identity rules identifier fields are cleaned by (undefined when the project has no
 * identity): its blocklist and junk defaults per kind, and the region national phone numbers
 * are read in (the destination's `default_phone_region`, else identity's phone id type's).
 */
function identityRules(project: Project, config: unknown): ValueShaping['identity'] {
  const identity = project.config.identity;
  if (!identity) return undefined;
  const types = Object.entries(identity.idTypes);
  const blocklist: NonNullable<ValueShaping['identity']>['blocklist'] = {};
  for (const kind of ['email', 'phone'] as const) {
    const entries = types.filter(([, t]) => t.normalize === kind).flatMap(([name]) => identity.blocklist[name] ?? []);
    const parsed = entries.map(parseBlocklistEntry);
    const exact = parsed.flatMap((p) => ('exact' in p ? [p.exact] : []));
    // An email normalises to its trimmed lower case; phones are matched as typed and by regex.
    blocklist[kind] = {
      exactRaw: exact,
      exactNormalized: kind === 'email' ? exact.map((e) => e.trim().toLowerCase()) : [],
      regexes: parsed.flatMap((p) => ('regex' in p ? [p.regex] : [])),
    };
  }
  const own = (config as { default_phone_region?: unknown } | null)?.default_phone_region;
  const phoneType = types.find(([, t]) => t.normalize === 'phone' && t.defaultRegion)?.[1];
  const defaultPhoneRegion = typeof own === 'string' ? own.toUpperCase() : (phoneType?.defaultRegion?.toUpperCase() ?? null);
  return { defaultPhoneRegion, blocklist, useDefaults: !identity.replaceDefaultBlocklist };
}
