import { createHash, randomUUID } from 'node:crypto';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { Dialect } from '../../warehouse/index.js';
import { pyStr } from '../jinja-compat.js';
import type { WarehouseRoundTrips } from '../round-trips.js';
import { TemplateFailure } from '../template.js';

/** A Python datetime as templates see it: str() and isoformat() as Python prints them, strftime. */
class PyDateTime {
  constructor(private readonly date: Date) {}
  get year(): number {
    return this.date.getUTCFullYear();
  }
  get month(): number {
    return this.date.getUTCMonth() + 1;
  }
  get day(): number {
    return this.date.getUTCDate();
  }
  isoformat(): string {
    return this.date.toISOString().replace('Z', '').replace(/\.(\d{3})$/, '.$1000');
  }
  strftime(format: string): string {
    const d = this.date;
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const parts: Record<string, string> = {
      Y: String(d.getUTCFullYear()),
      m: pad(d.getUTCMonth() + 1),
      d: pad(d.getUTCDate()),
      H: pad(d.getUTCHours()),
      M: pad(d.getUTCMinutes()),
      S: pad(d.getUTCSeconds()),
      f: pad(d.getUTCMilliseconds() * 1000, 6),
      '%': '%',
    };
    return format.replace(/%([YmdHMSf%])/g, (_all, code: string) => parts[code]!);
  }
  toString(): string {
    return this.isoformat().replace('T', ' ');
  }
}

const startedAt = new Date();
const invocationId = randomUUID();

const ADAPTER_METHODS_NEEDING_THE_WAREHOUSE = ['get_columns_in_relation', 'get_missing_columns', 'list_relations_without_caching', 'execute', 'load_relation', 'already_exists', 'drop_relation', 'rename_relation', 'create_schema', 'drop_schema', 'expand_target_column_types'];

function needsWarehouse(what: string): TemplateFailure {
  return new TemplateFailure(
    'MODEL_PARSE',
    `${what} is not supported: cdp asks the warehouse only run_query(), {% call statement() %}, adapter.get_relation() and get_columns_in_relation() while rendering`,
    'compute the value in SQL (a model or a CTE) instead; see docs/models.md "Bring your dbt project" for what is supported',
  );
}

/** Positional and keyword arguments of a template call (nunjucks passes keywords last, marked `__keywords`). */
function argsOf(args: unknown[], names: readonly string[]): Record<string, unknown> {
  const last = args[args.length - 1];
  const keywords = typeof last === 'object' && last !== null && (last as { __keywords?: boolean }).__keywords ? (last as Record<string, unknown>) : null;
  const positional = keywords ? args.slice(0, -1) : args;
  return { ...Object.fromEntries(names.map((name, i) => [name, positional[i]])), ...(keywords ?? {}) };
}

/** The warehouse round trips a template may make (see round-trips.ts); without `trips` they fail loudly. */
function roundTrips(dialect: Dialect, execute: boolean, trips: WarehouseRoundTrips | undefined): { names: Record<string, unknown>; adapter: Record<string, unknown> } {
  const getRelation = (...args: unknown[]) => {
    const a = argsOf(args, ['database', 'schema', 'identifier']);
    if (!execute) return null;
    if (!trips) throw needsWarehouse('adapter.get_relation()');
    return trips.getRelation({ schema: String(a.schema), name: String(a.identifier) }, dialect);
  };
  const loadRelation = (relation: unknown) => {
    const r = relation as { schema?: unknown; identifier?: unknown } | null;
    if (!r || typeof r !== 'object') return null;
    return getRelation(null, r.schema, r.identifier);
  };
  return {
    adapter: { get_relation: getRelation, load_relation: loadRelation },
    names: {
      run_query(sql: unknown) {
        if (!execute) return null;
        if (!trips) throw needsWarehouse('run_query()');
        return trips.runQuery(pyStr(sql));
      },
      statement(...args: unknown[]): string {
        const a = argsOf(args, ['name', 'fetch_result', 'auto_begin']);
        const caller = a.caller as (() => unknown) | undefined;
        const sql = caller ? pyStr(caller()).trim() : '';
        if (!execute || !sql) return '';
        if (!trips) throw needsWarehouse('{% call statement() %}');
        return trips.statement(String(a.name ?? 'statement'), sql, a.fetch_result === true);
      },
      load_result(name: unknown) {
        if (!execute) return null;
        if (!trips) throw needsWarehouse('load_result()');
        return trips.loadResult(String(name));
      },
    },
  };
}

/** The names of dbt's Jinja context that do not depend on the node being rendered. */
export function builtins(dialect: Dialect, options: { execute: boolean; fullRefresh?: boolean; onLog?: (message: string) => void; trips?: WarehouseRoundTrips }): Record<string, unknown> {
  const trips = roundTrips(dialect, options.execute, options.trips);
  const adapter: Record<string, unknown> = {
    quote: (name: unknown) => dialect.quoteIdent(String(name)),
    type: () => dialect.name,
    ...trips.adapter,
  };
  for (const method of ADAPTER_METHODS_NEEDING_THE_WAREHOUSE) {
    adapter[method] = () => {
      throw needsWarehouse(`adapter.${method}()`);
    };
  }
  return {
    ...trips.names,
    adapter,
    log(message: unknown, info?: unknown): string {
      const keywords = typeof info === 'object' && info !== null ? (info as { info?: unknown }).info : info;
      if (keywords === true && options.execute) options.onLog?.(pyStr(message));
      return '';
    },
    print(message: unknown): string {
      if (options.execute) options.onLog?.(pyStr(message));
      return '';
    },
    exceptions: {
      raise_compiler_error(message: unknown): never {
        throw new TemplateFailure('MODEL_PARSE', `compilation error: ${pyStr(message)}`, 'raised by exceptions.raise_compiler_error() in the template');
      },
      warn(message: unknown): string {
        options.onLog?.(`warning: ${pyStr(message)}`);
        return '';
      },
    },
    modules: {
      datetime: {
        datetime: { now: () => new PyDateTime(new Date()), utcnow: () => new PyDateTime(new Date()) },
        date: { today: () => new PyDateTime(new Date(new Date().toISOString().slice(0, 10))) },
      },
      re: {
        search: (pattern: unknown, value: unknown) => new RegExp(String(pattern)).exec(String(value)),
        match: (pattern: unknown, value: unknown) => new RegExp(`^(?:${String(pattern)})`).exec(String(value)),
        sub: (pattern: unknown, replacement: unknown, value: unknown) => String(value).replace(new RegExp(String(pattern), 'g'), String(replacement).replace(/\\(\d)/g, '$$$1')),
        findall: (pattern: unknown, value: unknown) => [...String(value).matchAll(new RegExp(String(pattern), 'g'))].map((m) => m[1] ?? m[0]),
        escape: (value: unknown) => String(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      },
    },
    run_started_at: new PyDateTime(startedAt),
    invocation_id: invocationId,
    dbt_version: '1.8.0',
    flags: { FULL_REFRESH: options.fullRefresh ?? false, WHICH: 'run' },
    zip: (...lists: unknown[][]) => (lists[0] ?? []).map((_, i) => lists.map((list) => list[i])),
    set: (items: unknown) => [...new Set(Array.isArray(items) ? items : [])],
    local_md5: (value: unknown) => createHash('md5').update(String(value)).digest('hex'),
    toyaml: (value: unknown) => toYaml(value),
    fromyaml: (value: unknown) => parseYaml(String(value)) as unknown,
  };
}
