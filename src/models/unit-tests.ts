import { existsSync, readFileSync } from 'node:fs';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { Dialect, Warehouse } from '../warehouse/index.js';
import { modelPaths } from './dbt/paths.js';
import { parseYaml } from '../project/dbt/yaml-file.js';
import type { SchemaTestResult } from './data-tests.js';
import { parseCsv } from './csv.js';
import { findFiles } from './discover.js';
import type { ModelGraph } from './graph.js';
import { renderModel } from './model.js';
import { renderWithRoundTrips } from './round-trips.js';
import type { SchemaTest } from './schema-yml.js';

/** A dbt 1.8 unit test: given rows for the model's inputs, the rows it must return. */
export interface UnitTest {
  test: SchemaTest;
  /** `ref:<name>` / `source:<source>.<table>` -> the given rows, or a SELECT giving them (`format: sql`). */
  given: Map<string, Array<Record<string, unknown>> | { sql: string }>;
  expect: Array<Record<string, unknown>> | { sql: string };
  /** `overrides: {macros: {is_incremental: true}}`: render the model as an incremental run. */
  isIncremental: boolean;
}

/**
 * Rows of a given/expect in any of dbt's formats: `dict` (a list of mappings), `csv` (text with a
 * header line, inline or in `fixture: <name>` = `<test path>/fixtures/<name>.csv`), `sql` (a
 * SELECT, inline or in `<test path>/fixtures/<name>.sql`).
 */
function rowsOf(
  project: Project,
  block: Record<string, unknown>,
  fail: (path: Array<string | number>, message: string, hint: string) => never,
  path: Array<string | number>,
): Array<Record<string, unknown>> | { sql: string } {
  const format = block.format ?? 'dict';
  if (format !== 'dict' && format !== 'csv' && format !== 'sql') return fail([...path, 'format'], `format ${String(format)} is not one of dict, csv, sql`, 'write format: dict, csv or sql');
  const fixture = (extension: string): string => {
    const name = String(block.fixture);
    const file = (project.dbt?.testPaths ?? ['tests']).map((folder) => project.path(folder, 'fixtures', `${name}.${extension}`)).find((candidate) => existsSync(candidate));
    return file ? readFileSync(file, 'utf8') : fail([...path, 'fixture'], `fixture ${name}.${extension} not found under the test paths' fixtures/ folder`, `create tests/fixtures/${name}.${extension}`);
  };
  if (format === 'dict') {
    if (block.rows !== undefined && !Array.isArray(block.rows)) return fail([...path, 'rows'], 'rows must be a list of mappings with format: dict', 'write rows:\n  - {id: 1}');
    return (block.rows ?? []) as Array<Record<string, unknown>>;
  }
  const text = typeof block.rows === 'string' ? block.rows : block.fixture !== undefined ? fixture(format) : fail([...path, 'rows'], `format: ${format} needs rows as text or a fixture`, `write rows: |\n  ${format === 'csv' ? 'id,name\n  1,a' : 'select 1 as id'}`);
  if (format === 'sql') return { sql: text.trim().replace(/;+$/, '') };
  const { header, rows } = parseCsv(text.replace(/^\s+/gm, ''), 'unit test rows');
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] === '' ? null : row[i]])));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `unit_tests:` of every yml file under the model paths. Formats other than dict rows are errors. */
export function loadUnitTests(project: Project, graph: ModelGraph): UnitTest[] {
  const out: UnitTest[] = [];
  for (const file of modelPaths(project).flatMap((folder) => findFiles(project.dir, project.path(folder), ['.yml', '.yaml']))) {
    const yaml = parseYaml(file.text, file.file);
    const entries = isObject(yaml.data) ? yaml.data.unit_tests : undefined;
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry, i) => {
      const fail = (path: Array<string | number>, message: string, hint: string): never => {
        throw new CdpError('SCHEMA_TEST', `unit test ${isObject(entry) ? String(entry.name) : i}: ${message}`, { location: { file: file.file, line: yaml.lineOf(['unit_tests', i, ...path]) }, hint });
      };
      if (!isObject(entry) || typeof entry.name !== 'string' || typeof entry.model !== 'string') return fail([], 'needs name and model', 'write - name: ...\n  model: <model>\n  given: [...]\n  expect: {rows: [...]}');
      if (!graph.get(entry.model)) fail(['model'], `there is no model named ${entry.model}`, 'name a model of the project');
      const overrides = isObject(entry.overrides) ? entry.overrides : {};
      for (const key of Object.keys(overrides)) if (key !== 'macros') fail(['overrides', key], `overrides.${key} is not supported yet`, 'only overrides.macros.is_incremental is; set vars with --vars');
      const macroOverrides = isObject(overrides.macros) ? overrides.macros : {};
      for (const key of Object.keys(macroOverrides)) if (key !== 'is_incremental') fail(['overrides', 'macros', key], `overriding macro ${key} is not supported yet`, 'only is_incremental can be overridden');
      const given: UnitTest['given'] = new Map();
      (Array.isArray(entry.given) ? entry.given : []).forEach((input, g) => {
        if (!isObject(input) || typeof input.input !== 'string') return fail(['given', g], 'each given needs input', "write - input: ref('stg_orders')");
        const ref = /^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(input.input);
        const source = /^\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(input.input);
        const key = ref ? `ref:${ref[1]}` : source ? `source:${source[1]}.${source[2]}` : fail(['given', g, 'input'], `input ${input.input} is not ref() or source()`, "write input: ref('model') or source('src', 'table')");
        given.set(key, rowsOf(project, input, fail, ['given', g]));
      });
      const expected = isObject(entry.expect) && (entry.expect.rows !== undefined || entry.expect.fixture !== undefined) ? rowsOf(project, entry.expect, fail, ['expect']) : fail(['expect'], 'expect needs rows', 'write expect: {rows: [{id: 1}]}');
      out.push({
        test: { name: entry.name, kind: 'unit', model: entry.model, column: null, file: file.file, line: yaml.lineOf(['unit_tests', i, 'name']), severity: 'error', warnIf: '!=0', errorIf: '!=0', storeFailures: false, tags: isObject(entry.config) && Array.isArray(entry.config.tags) ? entry.config.tags.map(String) : [], args: {}, where: null, values: [], quote: true, to: null, field: null },
        given,
        expect: expected,
        isIncremental: macroOverrides.is_incremental === true,
      });
    });
  }
  return out;
}

/**
 * Given rows as a SELECT, one `select ... union all` per row. When the input relation exists, every
 * one of its columns is there, cast to its type, NULL where a row gives no value (as dbt does);
 * otherwise (an ephemeral model) the columns the rows name.
 */
function rowsSql(rows: ReadonlyArray<Record<string, unknown>>, dialect: Dialect, known: ReadonlyArray<{ name: string; type: string }>): string {
  const typed = known.length ? known : [...new Set(rows.flatMap((row) => Object.keys(row)))].map((name) => ({ name, type: '' }));
  if (typed.length === 0) throw new CdpError('SCHEMA_TEST', 'an input with no rows needs a relation to take its columns from', { hint: 'give at least one row for inputs that are ephemeral models' });
  const literal = (value: unknown) => (value === null || value === undefined ? 'NULL' : typeof value === 'number' || typeof value === 'boolean' ? dialect.literal(value) : dialect.literal(String(value)));
  const cell = (value: unknown, type: string) => (type ? `CAST(${literal(value)} AS ${type})` : literal(value));
  const select = (row: Record<string, unknown>) => `select ${typed.map((c) => `${cell(row[c.name], c.type)} as ${dialect.quoteIdent(c.name)}`).join(', ')}`;
  if (rows.length === 0) return `${select({})} where 1 = 0`;
  return rows.map(select).join('\nunion all\n');
}

const normal = (value: unknown): string => {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return value.toISOString().replace('T00:00:00.000Z', '').replace('.000Z', '').replace('T', ' ');
  if (typeof value === 'bigint' || typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) return String(Number(value));
  if (typeof value === 'boolean') return String(value);
  return String(value);
};

/** Renders the model over the given rows (each input a CTE), runs it, and compares its rows with `expect` as multisets. */
export async function runUnitTest(warehouse: Warehouse, graph: ModelGraph, unit: UnitTest): Promise<SchemaTestResult> {
  const started = performance.now();
  const dialect = warehouse.dialect;
  const model = graph.get(unit.test.model)!;
  let sql = '';
  try {
    const fixtures = new Map<string, string>();
    for (const [key, rows] of unit.given) {
      const relation = key.startsWith('ref:') ? graph.env.nodes.get(key.slice(4)) : undefined;
      const declared = key.startsWith('source:') ? graph.env.sources.get(key.slice(7).split('.')[0]!)?.get(key.slice(7).split('.').slice(1).join('.')) : undefined;
      const target = relation && !relation.ephemeral ? relation.relation : declared ? { schema: declared.schema, name: declared.identifier } : undefined;
      if (!Array.isArray(rows)) {
        fixtures.set(key, rows.sql);
        continue;
      }
      const known = target ? (await warehouse.listColumns(target)).map((c) => ({ name: c.name, type: c.type })) : [];
      fixtures.set(key, rowsSql(rows, dialect, known));
    }
    const expectedRows = Array.isArray(unit.expect) ? unit.expect : await warehouse.query(unit.expect.sql);
    graph.env.roundTrips?.attach(warehouse);
    const rendered = (await renderWithRoundTrips(graph.env.roundTrips, () => renderModel(model, { ...graph.env, fixtures }, { dialect, isIncremental: unit.isIncremental }))).trim().replace(/;+$/, '');
    const columns = [...new Set(expectedRows.flatMap((row) => Object.keys(row)))];
    sql = `select ${columns.map((c) => dialect.quoteIdent(c)).join(', ')} from (\n${rendered}\n) dbt_internal_unit_test`;
    const actual = (await warehouse.query(sql)).map((row) => JSON.stringify(columns.map((c) => normal(row[c]))));
    const expected = expectedRows.map((row) => JSON.stringify(columns.map((c) => normal(row[c]))));
    const missing = [...expected];
    let extra = 0;
    for (const row of actual) {
      const at = missing.indexOf(row);
      if (at >= 0) missing.splice(at, 1);
      else extra++;
    }
    const failures = missing.length + extra;
    return { test: unit.test, status: failures === 0 ? 'pass' : 'fail', failures, seconds: (performance.now() - started) / 1000, error: failures === 0 ? null : `${missing.length} expected row(s) missing, ${extra} unexpected row(s)`, sql };
  } catch (error) {
    return { test: unit.test, status: 'error', failures: null, seconds: (performance.now() - started) / 1000, error: (error instanceof Error ? error.message : String(error)).split('\n')[0]!, sql };
  }
}
