import type { Project } from '../project/index.js';
import type { Warehouse } from '../warehouse/index.js';
import { compileSchemaTest, runCompiledTests, type CompiledSchemaTest, type SchemaTestResult } from './data-tests.js';
import { loadSchemaTests } from './data-tests.js';
import type { ModelGraph } from './graph.js';
import { relationKey } from './materialize.js';
import { nodeKey, selectNodes } from './selection.js';
import { selectTests, testNode } from './test-project.js';
import type { Model } from './types.js';
import { loadUnitTests, runUnitTest, type UnitTest } from './unit-tests.js';

/**
 * The tests of `cdp build`, run as dbt build runs them: tests on sources first (a failing one
 * skips the models reading that source table), a model's unit tests just before it is
 * built (a failing one keeps the model and its descendants from being built), and each data test
 * as soon as every model it reads is done (a failing one, at severity error, skips the
 * descendants of the models it tests). Tests whose models were skipped are skipped; tests that
 * read no model of this build (seeds, models not selected) run after the models.
 */
export class BuildTests {
  readonly results: SchemaTestResult[] = [];
  private readonly waiting: Array<{ compiled: CompiledSchemaTest; parents: Set<string> }>;
  private readonly units: Map<string, UnitTest[]>;
  private readonly done = new Set<string>();
  private readonly blocked = new Set<string>();

  private constructor(
    private readonly warehouse: Warehouse,
    private readonly auditSchema: string,
    private readonly onResult: (result: SchemaTestResult) => void,
    waiting: Array<{ compiled: CompiledSchemaTest; parents: Set<string> }>,
    units: Map<string, UnitTest[]>,
  ) {
    this.waiting = waiting;
    this.units = units;
  }

  static async prepare(project: Project, graph: ModelGraph, building: readonly Model[], selection: { select?: string[]; exclude?: string[] }, onResult: (result: SchemaTestResult) => void): Promise<BuildTests> {
    const warehouse = await project.warehouse();
    const select = selection.select ?? [];
    const exclude = selection.exclude ?? [];
    const byRelation = new Map(building.map((model) => [relationKey(model.relation), model.name]));
    const waiting = selectTests(graph, loadSchemaTests(project, graph), select, exclude).map((test) => {
      const compiled = compileSchemaTest(test, graph, warehouse.dialect);
      const parents = new Set(compiled.reads.map((relation) => byRelation.get(relationKey(relation))).filter((name): name is string => name !== undefined));
      return { compiled, parents };
    });
    const unitTests = loadUnitTests(project, graph);
    const unitNodes = unitTests.map((unit) => ({ ...testNode(unit.test, graph), testType: 'unit' as const }));
    const chosen = selectNodes([...graph.selectable(), ...unitNodes], select, exclude);
    const units = new Map<string, UnitTest[]>();
    unitTests.forEach((unit, i) => {
      if (!chosen.has(nodeKey(unitNodes[i]!))) return;
      units.set(unit.test.model, [...(units.get(unit.test.model) ?? []), unit]);
    });
    return new BuildTests(warehouse, `${project.target.schema}_dbt_test__audit`, onResult, waiting, units);
  }

  /**
   * Tests on sources run first, as in dbt build: returns `<source>.<table>` -> the name of a test
   * that failed on it (models reading that table are then skipped).
   */
  async sources(): Promise<Map<string, string>> {
    const failed = new Map<string, string>();
    for (const entry of this.waiting.filter((e) => e.compiled.test.source)) {
      this.waiting.splice(this.waiting.indexOf(entry), 1);
      const [result] = await runCompiledTests(this.warehouse, [entry.compiled], undefined, this.auditSchema);
      this.record(result!);
      const { source, table } = entry.compiled.test.source!;
      if ((result!.status === 'fail' || result!.status === 'error') && !failed.has(`${source}.${table}`)) failed.set(`${source}.${table}`, entry.compiled.test.name);
    }
    return failed;
  }

  /** Runs the model's unit tests; the name of the first that did not pass, if any. */
  async before(model: Model, graph: ModelGraph): Promise<string | null> {
    let failed: string | null = null;
    for (const unit of this.units.get(model.name) ?? []) {
      const result = await runUnitTest(this.warehouse, graph, unit);
      this.record(result);
      if (!failed && (result.status === 'fail' || result.status === 'error')) failed = unit.test.name;
    }
    return failed;
  }

  /** The model is skipped before its unit tests ran: they are reported skipped. */
  skipUnits(model: Model, reason: string): void {
    for (const unit of this.units.get(model.name) ?? []) {
      this.record({ test: unit.test, status: 'skipped', failures: null, seconds: 0, sql: '', error: `skipped because ${reason}` });
    }
  }

  /**
   * The model is done (built, or failed/skipped when `built` is false): runs every data test now
   * ready. Returns the name of a test that failed at severity error on this model, if any.
   */
  async after(model: string, built: boolean): Promise<string | null> {
    this.done.add(model);
    if (!built) this.blocked.add(model);
    let failed: string | null = null;
    for (const entry of [...this.waiting]) {
      if (![...entry.parents].every((parent) => this.done.has(parent))) continue;
      this.waiting.splice(this.waiting.indexOf(entry), 1);
      const blockedBy = [...entry.parents].find((parent) => this.blocked.has(parent));
      if (blockedBy) {
        this.record(skipped(entry.compiled, blockedBy));
        continue;
      }
      const [result] = await runCompiledTests(this.warehouse, [entry.compiled], undefined, this.auditSchema);
      this.record(result!);
      if (entry.parents.has(model) && (result!.status === 'fail' || result!.status === 'error')) failed ??= entry.compiled.test.name;
    }
    return failed;
  }

  /** Tests that read no model of this build, and any still waiting (their models were not built). */
  async rest(): Promise<void> {
    for (const entry of this.waiting.splice(0)) {
      const blockedBy = [...entry.parents].find((parent) => !this.done.has(parent) || this.blocked.has(parent));
      if (blockedBy) this.record(skipped(entry.compiled, blockedBy));
      else this.record((await runCompiledTests(this.warehouse, [entry.compiled], undefined, this.auditSchema))[0]!);
    }
  }

  private record(result: SchemaTestResult): void {
    this.results.push(result);
    this.onResult(result);
  }
}

function skipped(compiled: CompiledSchemaTest, model: string): SchemaTestResult {
  return { test: compiled.test, status: 'skipped', failures: null, seconds: 0, sql: compiled.sql, error: `skipped because ${model} was not built` };
}
