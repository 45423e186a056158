import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../../src/warehouse/index.js';

const bin = fileURLToPath(new URL('../../../bin/cdp.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cdp(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, CDP_LOG_LEVEL: 'silent' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Rows of a relation in a project's DuckDB file (read after the cdp process has exited and released it). */
async function countRows(projectDir: string, relation: string): Promise<number> {
  const warehouse = await openWarehouse({ type: 'duckdb', path: '.cdp/warehouse.duckdb' }, projectDir);
  try {
    const [row] = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${relation}`);
    return Number(row!.n);
  } finally {
    await warehouse.close();
  }
}

/** An error is exactly one line on stderr. */
function oneLine(result: Result): string {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('cdp init / run / test / compile', () => {
  let root: string;
  let dir: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'cdp-cli-'));
    dir = join(root, 'shop');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('init scaffolds a project that runs, tests and compiles at once', async () => {
    const init = await cdp('init', dir);
    expect(init.code).toBe(0);
    for (const file of ['cdp.config.ts', '.gitignore', 'models/example/customers.sql', 'models/example/schema.yml', 'models/collect/stg_collected_events.sql', 'syncs/.gitkeep', 'audiences/.gitkeep']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }

    const run = await cdp('run', '--project', dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 of 5 START table model cdp.customers');
    expect(run.stdout).toMatch(/3 of 5 OK view model cdp\.customer_orders in \d+\.\d\ds/);
    // The staging models over collected_events build before any event has arrived.
    expect(run.stdout).toMatch(/5 of 5 OK view model cdp\.stg_collected_identities in \d+\.\d\ds/);
    const table = run.stdout.slice(run.stdout.indexOf('relation'));
    expect(table.split('\n').slice(0, 7).map((line) => line.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'relation materialized rows',
      '---------------------------- ------------ ----',
      'cdp.customers table 3',
      'cdp.orders table 4',
      'cdp.customer_orders view -',
      'cdp.stg_collected_events view -',
      'cdp.stg_collected_identities view -',
    ]);

    const test = await cdp('test', '--project', dir);
    expect(test.code).toBe(0);
    expect(test.stdout).toContain('PASS  relationships orders.customer_id');
    expect(test.stdout).toContain('8 test(s): 8 passed, 0 failed, 0 warned, 0 errored');

    const compile = await cdp('compile', 'customer_orders', '--project', dir, '--dialect', 'postgres', '--raw');
    expect(compile.code).toBe(0);
    expect(compile.stdout).toContain('from "cdp"."customers" as c\nleft join "cdp"."orders" as o');

    const unknown = await cdp('compile', 'customer_order', '--project', dir);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown)).toBe("error: no model or audience named customer_order — did you mean 'customer_orders'?");

    const again = await cdp('init', dir);
    expect(again.code).toBe(1);
    expect(oneLine(again)).toMatch(/^error: .*already exists — choose an empty or new directory/);
  });

  it('a failing test exits non-zero with the counts', async () => {
    writeFileSync(join(dir, 'models/example/extra.yml'), "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: status\n        tests:\n          - accepted_values: {values: ['completed']}\n");
    const test = await cdp('test', '--project', dir, '--select', 'orders');
    rmSync(join(dir, 'models/example/extra.yml'));
    expect(test.code).toBe(1);
    expect(test.stdout).toContain('FAIL  accepted_values orders.status: 1 failing row(s)  (models/example/extra.yml:7)');
    expect(oneLine(test)).toBe(
      'error: models/example/extra.yml:7: 1 of 5 test(s) did not pass; first: accepted_values_orders_status__completed — fix the data or the model, or set `config: {severity: warn}` on the test',
    );
  });

  it('a model with a SQL error exits non-zero naming the file and line', async () => {
    const file = join(dir, 'models/example/broken.sql');
    writeFileSync(file, "-- broken on purpose\nselect customer_id,\n  no_such_column\nfrom {{ ref('customers') }}\n");
    const run = await cdp('run', '--project', dir);
    rmSync(file);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toMatch(/^error: models\/example\/broken\.sql:3: model broken failed: Binder Error: Referenced column "no_such_column" not found/);
    expect(run.stdout).toContain('2 of 6 ERROR view model cdp.broken');
    // As in dbt, only what depends on the failed model is skipped: orders does not, so it is built.
    expect(run.stdout).toMatch(/3 of 6 OK table model cdp\.orders/);
    expect(run.stdout).not.toContain('SKIP');
    expect(await countRows(dir, 'cdp.orders')).toBe(4);
  });

  it('a broken config names the file and the field', async () => {
    const config = join(dir, 'cdp.config.ts');
    const good = readFileSync(config, 'utf8');
    writeFileSync(config, "export default { warehouse: { type: 'duckdb', path: 42 } };\n");
    const run = await cdp('run', '--project', dir);
    writeFileSync(config, good);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toMatch(/^error: .*cdp\.config\.ts: invalid config: .* \(at warehouse\.path\)/);
    expect(await countRows(dir, 'cdp.customers')).toBe(3);
  });

  it('an unknown --select exits non-zero with the closest model', async () => {
    const run = await cdp('run', '--project', dir, '--select', '+customer');
    expect(run.code).toBe(1);
    expect(oneLine(run)).toBe("error: --select +customer: there is no model named customer — did you mean 'customers'?");
  });
});
