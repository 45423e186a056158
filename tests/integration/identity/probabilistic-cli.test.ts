import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import { Project } from '../../../src/project/index.js';
import { loadTables } from './helpers.js';
import { columns, dataset, probabilisticFixtureConfig } from './probabilistic-fixture.js';

const bin = fileURLToPath(new URL('../../../bin/cdp.js', import.meta.url));

function cdp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, CDP_LOG_LEVEL: 'silent' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('cdp identity model', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdp-prob-cli-'));
    const config = { ...probabilisticFixtureConfig('cdp', 'raw'), warehouse: { type: 'duckdb', path: '.cdp/warehouse.duckdb' } };
    writeFileSync(join(dir, 'cdp.config.ts'), `export default ${JSON.stringify(config, null, 2)};\n`);
    const project = await Project.load(dir);
    try {
      const { crm, orders } = dataset();
      const cols = [...columns, { name: 'ts', kind: 'timestamp' as const }];
      await loadTables(await project.warehouse(), 'raw', [
        { name: 'crm', columns: cols, rows: crm },
        { name: 'orders', columns: cols, rows: orders },
      ]);
      await buildIdentity(project);
    } finally {
      await project.close();
    }
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every level\'s m, u and match weight', async () => {
    const result = await cdp('identity', 'model', '--project', dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^trained .*; prior \(em\) /);
    expect(result.stdout).toMatch(/\nfield\s+level\s+m\s+u\s+weight/);
    expect(result.stdout).toMatch(/\ndob\s+within 31 day\(s\)\s+[\d.e+-]+\s+[\d.e+-]+\s+-?[\d.]+/);
    expect(result.stdout).toMatch(/\nsurname\s+null\s+1\.0000\s+1\.0000\s+0\.00/);
  });

  it('reports EM per training rule with convergence, and the model\'s precision/recall curve with a suggested threshold', async () => {
    const result = await cdp('identity', 'model', '--project', dir);
    expect(result.code).toBe(0);
    // The fixture blocks on [surname, dob], [first_name, dob], [address, city]: each rule estimates the other comparisons.
    expect(result.stdout).toMatch(/\nsurname, dob\s+\d+\s+first_name, address, city, phone\s+\d+\s+yes\n/);
    expect(result.stdout).toMatch(/\nprecision\/recall by threshold, as the model expects them/);
    expect(result.stdout).toMatch(/<- suggested\n/);
    expect(result.stdout).toMatch(/\nsuggested threshold \(model\): \{ weight: -?[\d.]+ \} \(probability 0?\.?[\d.]+\), F1 [\d.]+/);
  });

  it('--record shows a record\'s links field by field', async () => {
    const result = await cdp('identity', 'model', '--record', 'orders:o2', '--project', dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^orders:o2 ~ crm:c2: probability [\d.]+, weight [\d.]+ \(linked\)\n/);
    expect(result.stdout).toMatch(/\n {2}surname\s+exact\s+[\d.]+\n/);
  });

  it('--record without a colon is a usage error', async () => {
    const result = await cdp('identity', 'model', '--record', 'o0', '--project', dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--record takes source:key');
  });
});
