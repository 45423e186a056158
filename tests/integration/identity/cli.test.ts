import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import { Project } from '../../../src/project/index.js';
import { fixtureConfig, TABLES } from './fixtures.js';
import { loadTables } from './helpers.js';

const bin = fileURLToPath(new URL('../../../bin/cdp.js', import.meta.url));

function cdp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, CDP_LOG_LEVEL: 'silent' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('cdp identity stats / explain', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdp-identity-cli-'));
    const config = { ...fixtureConfig('raw', 'cdp', { maxRecordsPerValue: 3 }), warehouse: { type: 'duckdb', path: '.cdp/warehouse.duckdb' } };
    writeFileSync(join(dir, 'cdp.config.ts'), `export default ${JSON.stringify(config, null, 2)};\n`);
    const project = await Project.load(dir);
    try {
      await loadTables(await project.warehouse(), 'raw', TABLES);
      await buildIdentity(project);
    } finally {
      await project.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stats prints profiles, identifiers per type, largest profiles and what each guard dropped', async () => {
    const result = await cdp('identity', 'stats', '--project', dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('profiles: 14\n');
    expect(result.stdout).toContain('records: 30 (28 in a profile)');
    expect(result.stdout).toMatch(/\nemail\s+3\n/);
    expect(result.stdout).toMatch(/quarantine\s+email\s+1\s+4\n/);
    expect(result.stdout).toMatch(/limit\s+device_id\s+1\s+3\n/);
    expect(result.stdout).toMatch(/junk\s+email\s+4\s+6\n/);
  });

  it('explain shows the profile and the chain of records that linked a value', async () => {
    const result = await cdp('identity', 'explain', 'phone', '415.555.0101', '--project', dir);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('phone 415.555.0101: normalised to +14155550101');
    expect(lines[1]).toMatch(/^profile [0-9a-f]{16} \(anchor: anonymous_id a1\)$/);
    expect(lines).toContain('    phone +14155550101');
    expect(lines).toContain('      -- crm_contacts c1 (2024-01-03 00:00:00) --> email alice@gmail.com');
    expect(lines).toContain('      -- web_events w3 (2024-01-03 00:00:00) --> anonymous_id a1');
  });

  it('explain says why a value links nothing', async () => {
    let result = await cdp('identity', 'explain', 'device_id', 'd1', '--project', dir);
    expect(result.stdout).toContain('dropped (limit) on 3 record(s): would put more than 1 user_id value(s) in one profile (maxPerProfile 1)');
    result = await cdp('identity', 'explain', 'email', 'TEST@test.com', '--project', dir);
    expect(result.stdout).toContain('dropped (junk) on 3 record(s)');
    result = await cdp('identity', 'explain', 'email', 'nobody@nowhere.org', '--project', dir);
    expect(result.stdout).toBe('email nobody@nowhere.org: never seen in any identity source\n');
    result = await cdp('identity', 'explain', 'mail', 'x', '--project', dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: unknown id type mail — use one of user_id, email, phone, device_id, anonymous_id\n');
  });
});
