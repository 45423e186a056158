/**
 * The demo project run on DuckDB (taped), then replayed per dialect to collect its statements.
 * One DemoSession per test file: it owns a temp dir with the DuckDB warehouse and state store.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemo } from '../../src/demo/index.js';
import type { Project } from '../../src/project/index.js';
import type { Warehouse } from '../../src/warehouse/index.js';
import { demoProject, type CatalogTable, type DemoCatalog } from './demo-catalog.js';
import { ProjectWith, RecordingWarehouse, TapingWarehouse, type RecordedStatement } from './recording-warehouse.js';

export type Engine = 'bigquery' | 'snowflake';

/** What one replay collected. */
export interface Replay {
  statements: RecordedStatement[];
  /** The replayed step's error (null when it finished like the DuckDB run did). */
  error: string | null;
  divergences: string[];
}

export class DemoSession {
  private constructor(
    readonly dir: string,
    readonly project: Project,
    readonly warehouse: Warehouse,
  ) {}

  /** A fresh DuckDB demo warehouse with raw demo data (tiny: a few hundred people). */
  static async start(people = 150): Promise<DemoSession> {
    const dir = mkdtempSync(join(tmpdir(), 'cdp-sqlcheck-'));
    const project = await demoProject(dir);
    const warehouse = await project.warehouse();
    await generateDemo(warehouse, { people, seed: 7, referenceDate: new Date('2025-06-01T00:00:00Z') });
    return new DemoSession(dir, project, warehouse);
  }

  /**
   * Runs `step` on DuckDB (recording every answer), then once per engine against a recording
   * warehouse answering from that tape. The DuckDB run must succeed: it is the reference.
   */
  async tapeAndReplay<T>(step: (project: Project) => Promise<T>, engines: readonly Engine[] = ['bigquery', 'snowflake']): Promise<{ result: T; replays: Record<Engine, Replay> }> {
    // The state store is not on the tape: each replay starts from the state the DuckDB run saw.
    const before = this.saveState();
    const taping = new TapingWarehouse(this.warehouse);
    const reference = new ProjectWith(this.project, taping);
    const result = await step(reference).finally(() => reference.close());
    const after = this.saveState();
    const replays = {} as Record<Engine, Replay>;
    for (const engine of engines) {
      this.restoreState(before);
      const recording = new RecordingWarehouse(engine, taping.tape);
      const replayed = new ProjectWith(this.project, recording);
      let error: string | null = null;
      try {
        await step(replayed);
      } catch (failure) {
        error = (failure as Error).message;
      } finally {
        await replayed.close();
      }
      replays[engine] = { statements: recording.statements, error, divergences: recording.divergences };
    }
    this.restoreState(after);
    return { result, replays };
  }

  private get stateFile(): string {
    const state = this.project.config.state;
    if (state.client !== 'better-sqlite3') throw new Error('the sqlcheck demo uses a SQLite state store');
    return state.filename;
  }

  /** A copy of the state store file (and its WAL files). */
  private saveState(): Map<string, Buffer | null> {
    return new Map(['', '-wal', '-shm'].map((ext) => [ext, existsSync(this.stateFile + ext) ? readFileSync(this.stateFile + ext) : null]));
  }

  private restoreState(saved: Map<string, Buffer | null>): void {
    for (const [ext, data] of saved) {
      if (data) writeFileSync(this.stateFile + ext, data);
      else rmSync(this.stateFile + ext, { force: true });
    }
  }

  /** Every table and view in the demo's schemas, with its DuckDB columns. */
  async catalog(): Promise<DemoCatalog> {
    const tables: CatalogTable[] = [];
    for (const schema of new Set(['raw', this.project.modelSchema, this.project.schema])) {
      for (const relation of await this.warehouse.listRelations(schema)) {
        tables.push({ schema, name: relation.name, columns: await this.warehouse.listColumns(relation) });
      }
    }
    return { tables };
  }

  async close(): Promise<void> {
    await this.project.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
