import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultMemoryLimit, type DuckDbWarehouse } from '../../../src/warehouse/adapters/duckdb.js';
import { openWarehouse } from '../../../src/warehouse/index.js';

/** DuckDB's own view of a setting. */
async function setting(warehouse: DuckDbWarehouse, name: string): Promise<string> {
  const [row] = await warehouse.query<{ v: string }>(`SELECT current_setting('${name}') AS v`);
  return String(row!.v);
}

/** A DuckDB size like '4.7 GiB' or '953.6 MiB' in bytes. */
function bytes(size: string): number {
  const match = /^([\d.]+)\s*(KiB|MiB|GiB|TiB|KB|MB|GB|TB)$/.exec(size.trim());
  if (!match) throw new Error(`not a size: ${size}`);
  const unit = { KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[match[2] as 'KiB'];
  return Number(match[1]) * unit;
}

describe('DuckDB memory bounds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-duckdb-memory-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('limits memory to a sixth of the machine by default and spills next to the file', async () => {
    expect(defaultMemoryLimit(48 * 2 ** 30)).toBe('8192MB');
    expect(defaultMemoryLimit(5 * 2 ** 30)).toBe('1024MB');
    const path = join(dir, 'default.duckdb');
    const warehouse = (await openWarehouse({ type: 'duckdb', path }, dir)) as DuckDbWarehouse;
    try {
      const limit = bytes(await setting(warehouse, 'memory_limit'));
      expect(limit / (totalmem() / 6)).toBeGreaterThan(0.9);
      expect(limit / (totalmem() / 6)).toBeLessThan(1.1);
      expect(await setting(warehouse, 'temp_directory')).toBe(`${path}.tmp`);
      // Nothing reads rows in write order without an ORDER BY: DuckDB may write large results as they come.
      expect(await setting(warehouse, 'preserve_insertion_order')).toBe('false');
    } finally {
      await warehouse.close();
    }
  });

  it('takes the limit and the spill directory from the config', async () => {
    const warehouse = (await openWarehouse({ type: 'duckdb', path: ':memory:', memoryLimit: '64MB', tempDirectory: 'spill' }, dir)) as DuckDbWarehouse;
    try {
      expect(bytes(await setting(warehouse, 'memory_limit'))).toBeCloseTo(64e6, -6);
      expect(await setting(warehouse, 'temp_directory')).toBe(join(dir, 'spill'));
      // A sort of about twice the limit (2M rows with 32-character keys) spills instead of failing.
      const [row] = await warehouse.query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM (SELECT i, md5(CAST(i AS VARCHAR)) AS h FROM range(2000000) t(i) ORDER BY h) x`,
      );
      expect(Number(row!.n)).toBe(2_000_000);
    } finally {
      await warehouse.close();
    }
  });
});
